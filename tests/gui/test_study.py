"""A study driven through the window on real IMM photos: run, live results, CSV, histogram, reopen, resume, cancel."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt

from core.recognizers.vector_memo import MEMO
from core.results import read_rows
from core.study_folder import load_study
from gui.results_tab import COLUMNS
from gui.summary_table import SUMMARY_COLUMNS
from tests.gui.conftest import TASK_TIMEOUT_MS, open_dialogs, open_fixture, wait_for


def run_clean_study(qtbot, window, fixture_imm):
    open_fixture(qtbot, window, fixture_imm)
    window.cloaking_tab.set_conditions(["none"])
    window.recognition_tab.set_recognizers(["dlib"])
    arrived = []
    window.run_study()
    task = window.results_tab.progress.task
    task.partial.connect(arrived.append)
    wait_for(qtbot, task)
    return task, arrived


def test_a_clean_study_shows_live_rows_histogram_summary_and_saves_csv(window, qtbot, fixture_imm, tmp_path):
    task, arrived = run_clean_study(qtbot, window, fixture_imm)
    tab = window.results_tab
    assert window.tabs.currentWidget() is tab
    # one row per test photo, each shown as it arrived
    assert len(arrived) == 3 and len(tab.rows) == 3
    assert {(r.person, r.file, r.outcome) for r in tab.rows} == {
        ("01", "01-6m.jpg", "identified"), ("02", "02-6m.jpg", "identified"), ("03", "03-6m.jpg", "identified")}
    assert tab.table.model().rowCount() == 3
    # the summary per condition
    assert tab.summary_table.rowCount() == 1
    assert [tab.summary_table.item(0, c).text() for c in range(5)] == ["none", "dlib", "clean", "3", "3 of 3"]
    cells = {name: tab.summary_table.item(0, c).text() for c, name in enumerate(SUMMARY_COLUMNS)}
    assert (cells["Re-identified"], cells["Protected (95% interval)"]) == ("3 of 3", "0% (0–56%)")
    assert cells["Threshold"].startswith("distance 0.") and cells["Threshold"].endswith("(FMR 1%)")
    # the embedded histogram counts the three photos; the curve beside it ends at rank-1
    ax = tab.figure.axes[0]
    assert sum(p.get_height() for p in ax.patches) == 3
    assert list(tab.curve_figure.axes[0].lines[0].get_ydata())[-1] == 3
    assert not tab.below.isTabEnabled(1)  # one recognizer: no transfer matrix

    csv_path = tmp_path / "out" / "results.csv"
    window.save_csv_to(csv_path)
    assert read_rows(csv_path) == tab.rows
    png, svg = tmp_path / "h.png", tmp_path / "h.svg"
    window.export_histogram_to(png)
    window.export_histogram_to(svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()[:500]


def test_the_table_sorts_and_filters(window, qtbot, fixture_imm):
    run_clean_study(qtbot, window, fixture_imm)
    tab = window.results_tab
    view = tab.table.model()
    column = COLUMNS.index("Confidence")
    tab.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    confidences = [float(view.data(view.index(r, column))) for r in range(view.rowCount())]
    assert confidences == sorted(confidences, reverse=True)
    tab.text_filter.setText("02-6m")
    assert view.rowCount() == 1 and view.data(view.index(0, COLUMNS.index("Person"))) == "02"
    tab.text_filter.clear()
    tab.outcome_filter.setCurrentText("wrong person")
    assert view.rowCount() == 0
    tab.outcome_filter.setCurrentText("identified")
    assert view.rowCount() == 3


def test_a_saved_study_reopens_exactly_and_an_interrupted_one_resumes(window, qtbot, fixture_imm, tmp_path):
    run_clean_study(qtbot, window, fixture_imm)
    rows = list(window.results_tab.rows)
    saved = tmp_path / "saved" / "my study"
    window.save_study_to(saved)
    assert {p.name for p in saved.iterdir()} >= {"study.json", "split.json", "results.csv", "summary.json",
                                                 "manifest.json", "confidence_histogram.png"}
    # interrupt it: the last row and the summary never got written
    study = load_study(saved)
    from core.results import write_rows_csv
    write_rows_csv(saved / "results.csv", study.rows[:2])
    (saved / "summary.json").unlink()

    window.open_study(saved)
    assert len(window.results_tab.rows) == 2
    qtbot.waitUntil(lambda: bool(open_dialogs("resumeDialog")), timeout=5000)
    open_dialogs("resumeDialog")[0].accept()
    wait_for(qtbot, window.results_tab.progress.task)
    assert sorted(r.file for r in window.results_tab.rows) == sorted(r.file for r in rows)
    assert load_study(saved).finished
    assert sorted(read_rows(saved / "results.csv"), key=lambda r: r.file) == sorted(rows, key=lambda r: r.file)


def test_cancel_stops_a_study_within_a_second(window, qtbot, imm_dir):
    MEMO.clear()  # vectors another test computed would make the enrolment too quick to cancel in the middle
    open_fixture(qtbot, window, imm_dir)  # 240 photos: enrolling takes long enough to cancel in the middle
    window.cloaking_tab.set_conditions(["none"])
    window.recognition_tab.set_recognizers(["dlib"])
    window.run_study()
    panel = window.results_tab.progress
    qtbot.waitUntil(lambda: "Enrolling" in panel.label.text() and panel.bar.value() >= 3, timeout=TASK_TIMEOUT_MS)
    asked = time.monotonic()
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.task.cancelled, timeout=5000):
        pass
    assert time.monotonic() - asked < 1.0
    assert panel.label.text().startswith("Cancelled")
    assert window.results_tab.resume_button.isEnabled()
