"""A new tracker is one file (tests/tiny_tracker.py) plus one catalogue entry: once registered it is in the
command line's help, on the Recognition tab, in "Check my own photos", and a study runs with it."""
from __future__ import annotations

import contextlib
import io
import sys

import pytest

from core import catalogue
from core.cli import main
from core.jobs import Job
from core.results import read_rows
from core.sample import FIRST_RUN_RECOGNIZERS
from core.study import StudyConfig, run_study
from tests import tiny_tracker
from tests.gui.conftest import close_window, make_window


@pytest.fixture
def tiny():
    catalogue.register(tiny_tracker.ENTRY)
    try:
        yield tiny_tracker.NAME
    finally:
        catalogue.unregister(tiny_tracker.NAME)


def test_a_registered_tracker_is_everywhere(tiny, qtbot, tmp_path, fixture_imm):
    shown = io.StringIO()
    with contextlib.redirect_stdout(shown), pytest.raises(SystemExit) as ended:
        main(["study", "--help"])
    assert ended.value.code == 0
    assert f"{tiny} (on this computer)" in " ".join(shown.getvalue().split())

    hook = sys.excepthook
    window = make_window(tmp_path)
    try:
        box = window.recognition_tab.boxes[tiny]
        assert box.text() == tiny and not box.isChecked()  # offered, not chosen for the user
        dialog = window.check_my_photos()
        assert dialog.recognizer_boxes[tiny].isEnabled() and dialog.recognizer_boxes[tiny].isChecked()
        dialog.close()
    finally:
        close_window(qtbot, window)
        sys.excepthook = hook

    summary = run_study(StudyConfig(fixture_imm, tmp_path / "study", recognizers=[tiny], conditions=["none"]), Job())
    rows = read_rows(tmp_path / "study" / "results.csv")
    assert sorted(r.file for r in rows) == ["01-6m.jpg", "02-6m.jpg", "03-6m.jpg"]
    assert {r.recognizer for r in rows} == {tiny} and all(r.predicted in ("01", "02", "03") for r in rows)
    assert [c["recognizer"] for c in summary["conditions"]] == [tiny]


def test_unregistered_it_is_gone_and_the_first_run_stays_on_this_computer():
    assert tiny_tracker.NAME not in catalogue.names()
    assert all(not catalogue.tracker(name).online for name in FIRST_RUN_RECOGNIZERS)
