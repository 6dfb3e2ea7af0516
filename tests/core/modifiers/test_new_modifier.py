"""A new modifier is one class plus one registration line: ``+flip``, made up here (a photo mirrored left to
right), is registered for one test at a time and comes out under its own name and words everywhere — the
command line, summary.json and the manifest, the photos as enrolled, the PDF report, the window's conditions
list and its viewer — and nowhere is it taken for another modifier (before, anything that was not a resize
or a leak was worded as a JPEG re-encode). Unregistered, it is refused."""
from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass

import numpy as np
import pytest
from pypdf import PdfReader

from core.cli import main
from core.conditions import parse_spec, read_listing
from core.images import load_rgb
from core.modifiers import MODIFIERS, Context, Modifier
from core.modifiers.photo import EnrolledPhoto, encode_png
from core.modifiers.preview import as_enrolled
from tests.cli_runner import run_main
from tests.gui.conftest import close_window, make_window, open_fixture
from tests.photo_cases import grid_cloaks


@dataclass(frozen=True)
class Flip(Modifier):
    prefix = "+flip"
    usage = ("+flip",)
    example = "+flip"
    help_text = "+flip (mirrored left to right)"
    takes_value = False

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Flip":
        return cls()

    @property
    def spelling(self) -> str:
        return "+flip"

    def words(self) -> str:
        return "mirrored"

    def phrase(self) -> str:
        return "mirrored left to right"

    def record(self) -> dict:
        return {"step": "flip"}

    def apply(self, photos: list[EnrolledPhoto], context: Context) -> dict:
        for photo in photos:
            rgb = self.transform(photo.pixels())
            photo.replace(encode_png(rgb), ".png", rgb, self.spelling)
        return {"photos": len(photos)}

    def note(self, counts: dict) -> str:
        return f"+flip: {counts.get('photos', 0)} photos mirrored left to right"

    def transform(self, rgb: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(rgb[:, ::-1])


@pytest.fixture
def flip():
    MODIFIERS.append(Flip)  # the one registration line
    yield Flip
    MODIFIERS.remove(Flip)


@pytest.fixture
def cloaks(fixture_imm, tmp_path):
    return grid_cloaks(fixture_imm, tmp_path / "cloaks")


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_unregistered_it_is_refused_and_registered_it_is_read():
    with pytest.raises(ValueError, match=re.escape("Unknown modifier '+flip' in the condition 'none+flip'")):
        parse_spec("none+flip")
    MODIFIERS.append(Flip)
    try:
        spec = parse_spec("none+resize:320+flip")
        assert spec.modifiers[1] == Flip() and spec.spelling == "none+resize:320+flip" and not spec.seeded
        assert spec.words == "No cloak, shrunk to 320 px, mirrored left to right"  # not "re-saved as" a JPEG
        assert spec.label == "clean photos · what if: shrunk to 320 px, then mirrored left to right"
        with pytest.raises(ValueError, match=re.escape("'+flip:2' in the condition 'none+flip:2' takes no value")):
            parse_spec("none+flip:2")
    finally:
        MODIFIERS.remove(Flip)


def test_its_name_and_words_on_the_command_line_in_the_summary_and_the_report(flip, fixture_imm, cloaks, tmp_path):
    out, pdf = tmp_path / "study", tmp_path / "report.pdf"
    flipped, uploaded = f"import:{cloaks}+flip", "none+resize:320+flip"
    code, stdout, stderr = run_main("study", "--dataset", fixture_imm, "--out", out, "--condition", "none",
                                    "--condition", flipped, "--condition", uploaded, "--fmr", "10%")
    assert code == 0, stderr
    words = {flipped: "Imported cloaks (cloaks), mirrored left to right",
             uploaded: "No cloak, shrunk to 320 px, mirrored left to right"}
    assert "import:cloaks+flip · dlib (black-box)" in stdout and "none+resize:320+flip · dlib (clean)" in stdout
    short = stdout.split("In short:\n")[1]
    assert f"  {words[flipped]} · dlib, black-box: " in short and f"  {words[uploaded]} · dlib, clean: " in short
    help_text = io.StringIO()
    with contextlib.redirect_stdout(help_text), pytest.raises(SystemExit):
        main(["study", "--help"])
    assert "+flip (mirrored left to right)" in _flat(help_text.getvalue())

    summary = json.loads((out / "summary.json").read_text())
    assert [e["name"] for e in summary["conditions"]] == ["none", flipped, uploaded]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["transformations"][flipped]["steps"] == [{"step": "flip"}]
    assert manifest["transformations"][uploaded]["steps"][1] == {"step": "flip"}
    listing = read_listing(out, parse_spec(flipped))
    assert listing.photos[0]["steps"] == ["+flip"]
    enrolled = listing.files()["01-1m.jpg"]
    assert np.array_equal(load_rgb(enrolled), load_rgb(cloaks / "01-1m_high_cloaked.png")[:, ::-1])  # what was enrolled

    code, said, stderr = run_main("report", out, "--out", pdf)
    assert code == 0, stderr
    pages = [_flat(page.extract_text()) for page in PdfReader(pdf).pages]
    for condition, plain in words.items():
        assert plain in pages[0]  # the headline and the table
        assert f"{plain} · dlib" in said
        assert f"• {plain}:" in pages[-1]  # the methods: every condition in full
    assert any(f"{words[flipped]} · person " in page for page in pages)  # its example photos, found in its listing


def test_its_words_in_the_windows_conditions_list_and_viewer(flip, qtbot, fixture_imm, cloaks, tmp_path):
    window = make_window(tmp_path)
    try:
        open_fixture(qtbot, window, fixture_imm)
        tab = window.cloaking_tab
        tab.set_conditions(["none", f"import:{cloaks}+flip"])
        assert tab.conditions_list.item(1).text() == "imported cloaks (cloaks) · what if: mirrored left to right"
        tab.conditions_list.setCurrentRow(0)
        tab.conditions_panel.add_modifier("+flip")
        assert tab.conditions() == ["none", f"import:{cloaks}+flip", "none+flip"]
        assert tab.conditions_list.currentItem().text() == "clean photos · what if: mirrored left to right"
    finally:
        close_window(qtbot, window)
    rgb, words = as_enrolled(f"import:{cloaks}+flip", cloaks / "01-1m_high_cloaked.png", fixture_imm / "01-1m.jpg")
    assert words == "mirrored" and np.array_equal(rgb, load_rgb(cloaks / "01-1m_high_cloaked.png")[:, ::-1])
