"""The Results tab's strictness choice: a finished study is re-stated from its files, nothing is run again."""
from __future__ import annotations

from core.metrics.scores import read_scores
from core.study import StudyConfig, run_study
from gui.summary_table import SUMMARY_COLUMNS
from tests.conftest import REPO


def _cell(tab, name: str) -> str:
    return tab.summary_table.item(0, SUMMARY_COLUMNS.index(name)).text()


def _threshold_line(tab) -> float:
    return [line.get_xdata()[0] for line in tab.figure.axes[0].lines][1]  # after the "no result" divider


def test_a_new_false_match_rate_redraws_from_the_study_folder_without_a_run(window, qtbot, tmp_path):
    out = tmp_path / "study"
    run_study(StudyConfig(REPO / "resources" / "sample", out, conditions=["none"]))  # 5 people: 20 impostor comparisons
    files = {name: (out / name).read_bytes() for name in ("results.csv", "scores.csv", "summary.json")}
    window.open_study(out)
    tab = window.results_tab
    assert tab.fmr_choice.currentData() == 0.01
    strict = _cell(tab, "Threshold")
    assert strict.endswith("(FMR 1%)")
    strict_line = _threshold_line(tab)

    tab.fmr_choice.setCurrentIndex(tab.fmr_choice.findData(0.1))  # what the user does: pick 10%

    assert tab.progress.task is None or tab.progress.task.is_finished, "no study was started"
    loose = _cell(tab, "Threshold")
    assert loose.endswith("(FMR 10%)") and loose != strict
    impostors = sorted(s for _, (person, candidates) in read_scores(out / "scores.csv")[("none", "dlib")].items()
                       for c, s in candidates.items() if c != person)
    assert len(impostors) == 20 and f"{impostors[2]:.3f}" in loose  # 10% of 20 may pass: the third closest stranger
    assert _threshold_line(tab) < strict_line  # the histogram's dlib line moved: a looser distance, a lower confidence
    curve_axes = tab.curve_figure.axes[0]
    assert [line.get_xdata()[0] for line in curve_axes.lines][-1] == 0.1  # the curve marks the new operating point
    assert all(r.threshold == impostors[2] for r in tab.rows)
    assert {name: (out / name).read_bytes() for name in files} == files, "the study folder is left as it was"
