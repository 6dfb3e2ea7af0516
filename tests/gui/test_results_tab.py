"""The Results tab on a study read back from disk: the filters, sorting both ways, the transfer matrix's cells,
and a condition nobody could be judged in."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.metrics.build import summarize
from core.results import ResultRow
from core.study_folder import Study, StudyConfig
from gui.results_tab import COLUMNS


def _row(condition, recognizer, judged, person, confidence, outcome):
    return ResultRow(condition, recognizer, judged, person, f"{person}-6m.jpg", person if outcome == "identified" else "03",
                     confidence, None, outcome)


ROWS = [  # out of order on purpose
    _row("none", "dlib", "clean", "02", 0.71, "identified"), _row("none", "dlib", "clean", "01", 0.93, "identified"),
    _row("none", "mobileface", "clean", "01", 0.55, "identified"), _row("none", "mobileface", "clean", "02", 0.62, "identified"),
    _row("fawkes:0.3:min", "dlib", "white-box", "01", 0.31, "below threshold"),
    _row("fawkes:0.3:min", "dlib", "white-box", "02", 0.52, "wrong person"),
    _row("fawkes:0.3:min", "mobileface", "black-box", "01", 0.58, "identified"),
    _row("fawkes:0.3:min", "mobileface", "black-box", "02", None, "no face found"),
]
ASKED = {("none", "dlib"): "clean", ("none", "mobileface"): "clean", ("fawkes:0.3:min", "dlib"): "white-box",
         ("fawkes:0.3:min", "mobileface"): "black-box", ("import:/x/half", "dlib"): "black-box",
         ("import:/x/half", "mobileface"): "black-box"}


def _show(window, fixture_imm, tmp_path):
    set_aside = {"import:/x/half": {"01": "only 4 of 5 training photos are cloaked", "02": "only 4 of 5 training photos are cloaked"}}
    summary = {**summarize(ROWS, set_aside, {}, ASKED), "finished": True}
    config = StudyConfig(fixture_imm, tmp_path / "study", recognizers=["dlib", "mobileface"],
                         conditions=["none", "fawkes:0.3:min", "import:/x/half"])
    window.results_tab.show_study(Study(config, ROWS, summary, None))
    window.tabs.setCurrentWidget(window.results_tab)
    return window.results_tab


def _column(view, name):
    column = COLUMNS.index(name)
    return [view.data(view.index(r, column)) for r in range(view.rowCount())]


def test_the_table_filters_by_condition_and_sorts_both_ways(window, qtbot, fixture_imm, tmp_path):
    tab = _show(window, fixture_imm, tmp_path)
    view = tab.table.model()
    assert _column(view, "Confidence") == ["0.710", "0.930", "0.550", "0.620", "0.310", "0.520", "0.580", ""]  # as saved
    tab.table.sortByColumn(COLUMNS.index("Confidence"), Qt.SortOrder.AscendingOrder)
    assert _column(view, "Confidence") == ["", "0.310", "0.520", "0.550", "0.580", "0.620", "0.710", "0.930"]
    tab.table.sortByColumn(COLUMNS.index("Confidence"), Qt.SortOrder.DescendingOrder)
    assert _column(view, "Confidence") == ["0.930", "0.710", "0.620", "0.580", "0.550", "0.520", "0.310", ""]
    tab.table.sortByColumn(COLUMNS.index("Person"), Qt.SortOrder.AscendingOrder)
    assert _column(view, "Person") == ["01"] * 4 + ["02"] * 4

    assert [tab.condition_filter.itemText(i) for i in range(tab.condition_filter.count())] == ["(all)", "none", "fawkes:0.3:min"]
    tab.condition_filter.setCurrentText("fawkes:0.3:min")
    assert set(_column(view, "Condition")) == {"fawkes:0.3:min"} and view.rowCount() == 4
    tab.outcome_filter.setCurrentText("wrong person")
    assert _column(view, "Person") == ["02"] and _column(view, "Recognizer") == ["dlib"]
    tab.condition_filter.setCurrentText("none")
    assert view.rowCount() == 0
    tab.outcome_filter.setCurrentText("(all)")
    tab.condition_filter.setCurrentText("(all)")
    assert view.rowCount() == 8


def test_the_transfer_matrix_puts_each_cell_in_its_place(window, qtbot, fixture_imm, tmp_path):
    tab = _show(window, fixture_imm, tmp_path)
    assert tab.below.isTabEnabled(1)
    tab.below.setCurrentIndex(1)
    qtbot.waitUntil(lambda: tab.matrix_holder.isVisible(), timeout=5000)
    ax = tab.matrix_canvas.figure.axes[0]
    cells = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts}
    assert cells == {(0, 0): "2/2\nclean", (0, 1): "2/2\nclean", (1, 0): "0/2\nwhite-box", (1, 1): "1/2\nblack-box",
                     (2, 0): "nobody judged\nblack-box", (2, 1): "nobody judged\nblack-box"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dlib", "mobileface"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["none", "fawkes:0.3:min", "import:half"]


def test_a_condition_nobody_could_be_judged_in_says_why(window, qtbot, fixture_imm, tmp_path):
    tab = _show(window, fixture_imm, tmp_path)
    table = tab.summary_table
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert len(rows) == 6
    half = rows[4]
    assert half[:4] == ["import:half", "dlib", "black-box", "0"]
    assert (half[6], half[7]) == ("0 of 0", "–")  # re-identified, protected: no rate where nobody was counted
    assert half[10] == "nobody could be judged: 2 people set aside — only 4 of 5 training photos are cloaked"
