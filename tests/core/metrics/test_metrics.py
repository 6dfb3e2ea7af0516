"""The study's numbers: calibration at a false-match rate, the curve, Wilson intervals, McNemar, on real photos."""
from __future__ import annotations

import csv
import json
import math
import shutil

import pytest

from core.metrics.build import restate
from core.metrics.operating_point import calibrate
from core.metrics.scores import CALIBRATION, read_scores
from core.metrics.stats import mcnemar, wilson
from core.metrics.words import closing_line
from core.recognizers.azure import AzureRecognizer
from core.results import read_rows
from core.score_scale import distance_scale
from core.study import StudyConfig, run_study

DISTANCE = distance_scale(0.6)


def test_calibration_takes_the_impostor_score_just_past_the_allowed_share():
    distances = [i / 1000 for i in range(1, 1001)]  # 1000 impostor comparisons, 0.001 … 1.000
    # FMR 1%: 10 may pass; a match must be closer than the 11th closest impostor
    assert calibrate(distances, 1000, 0.01, higher_is_better=False) == 0.011
    assert sum(d < 0.011 for d in distances) == 10
    similarities = [i / 1000 for i in range(1, 1001)]
    assert calibrate(similarities, 1000, 0.01, higher_is_better=True) == 0.990  # 0.991 … 1.000 pass: 10
    assert calibrate(similarities, 1000, 0.001, higher_is_better=True) == 0.999
    assert calibrate(similarities, 1000, 1.0, higher_is_better=True) is None  # 100%: no threshold
    # comparisons a recognizer returned no score for (Azure's few candidates) count as worse than every score
    assert calibrate([0.9, 0.8], 100, 0.05, higher_is_better=True) == 0.8


def test_wilson_interval_and_mcnemar_against_hand_computed_values():
    k, n, z = 19, 40, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = wilson(k, n)
    assert (lo, hi) == pytest.approx((centre - half, centre + half), abs=1e-9)
    assert (round(lo, 4), round(hi, 4)) == (0.3294, 0.6250)
    assert wilson(0, 3) == pytest.approx([0.0, 0.5615], abs=1e-4)
    assert wilson(0, 0) is None
    # 1 person lost protection, 7 gained it: p = 2 · P(X ≤ 1 | 8, ½) = 2 · 9/256
    clean = {f"{i:02d}": True for i in range(10)}
    cloaked = {**clean, **{f"{i:02d}": False for i in range(1, 8)}}
    cloaked["00"] = True
    clean["09"], cloaked["09"] = False, True
    assert mcnemar(clean, cloaked) == (8, pytest.approx(18 / 256))
    assert mcnemar(clean, clean) == (0, 1.0)


def _swapped_cloaks(fixture_imm, folder):
    """A "cloak" that trains 01 on 02's photos and 02 on 01's, 03 on their own: rank-1 is wrong for two people."""
    folder.mkdir()
    for person, source in (("01", "02"), ("02", "01"), ("03", "03")):
        for i in range(1, 6):
            shutil.copy(fixture_imm / f"{source}-{i}m.jpg", folder / f"{person}-{i}m_high_cloaked.png")
    return folder


@pytest.fixture(scope="module")
def swapped_study(tmp_path_factory):
    from tests.conftest import FIXTURES

    fixture_imm = FIXTURES / "imm"
    tmp = tmp_path_factory.mktemp("metrics")
    cloaks = _swapped_cloaks(fixture_imm, tmp / "cloaks")
    out = tmp / "study"
    summary = run_study(StudyConfig(fixture_imm, out, conditions=["none", f"import:{cloaks}"], fmr=0.1))
    return out, summary


def test_operating_point_is_the_impostor_quantile_of_the_clean_scores_on_disk(swapped_study):
    out, summary = swapped_study
    impostors = [float(r["score"]) for r in csv.DictReader((out / "scores.csv").open())
                 if r["condition"] == "none" and r["candidate"] != r["person"]]
    assert len(impostors) == 6  # 3 clean test photos × 2 other people
    clean = summary["conditions"][0]
    op = clean["operating_point"]
    # FMR 10% of 6 comparisons lets none through: the threshold is the closest impostor distance
    assert (op["fmr"], op["score"], op["impostor_comparisons"]) == (0.1, "distance", 6)
    assert op["threshold"] == min(impostors)
    assert json.loads((out / "manifest.json").read_text())["recognizers"]["dlib"]["operating_point"]["threshold"] == min(impostors)
    rows = read_rows(out / "results.csv")
    assert {r.threshold for r in rows} == {min(impostors)}
    assert [r.rank1_correct for r in rows] == [True, True, True, False, False, True]
    # each row's outcome follows the operating point
    for r in rows:
        assert (r.outcome == "identified") == (r.rank1_correct and r.score < op["threshold"])


def test_curve_is_monotonic_ends_at_rank1_and_the_cloak_differs_from_clean(swapped_study):
    out, summary = swapped_study
    clean, swapped = summary["conditions"]
    for entry in (clean, swapped):
        counts = [p["reidentified"] for p in entry["curve"]]
        assert counts == sorted(counts), "looser thresholds never re-identify fewer people"
        assert entry["curve"][-1] == {"fmr": 1.0, "threshold": None, "reidentified": entry["rank1"]["reidentified"]}
    assert swapped["rank1"] == {"reidentified": 1, "people": 3, "protection_rate": pytest.approx(2 / 3),
                                "ci95": pytest.approx(wilson(2, 3))}
    assert swapped["versus_clean"] == {"changed_people": 2, "p_value": pytest.approx(0.5)}  # 2 · ½²
    assert "versus_clean" not in clean
    assert (out / "reidentification_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    line = closing_line(swapped)
    assert line.startswith("import:cloaks · dlib (black-box): best guess still right for 1 of 3; at 1 stranger in 10,")
    assert "protected 66.7% (21–94%); different from clean: p = 0.500" in line


def test_a_study_without_clean_condition_is_calibrated_on_an_extra_clean_enrolment(swapped_study, tmp_path):
    out, summary = swapped_study
    cloaks = out.parent / "cloaks"
    other = tmp_path / "study"
    alone = run_study(StudyConfig(_fixture(), other,
                                  conditions=[f"import:{cloaks}"], fmr=0.1))
    scores = read_scores(other / "scores.csv")
    assert set(scores) == {(f"import:{cloaks}", "dlib"), (CALIBRATION, "dlib")}
    assert scores[(CALIBRATION, "dlib")] == read_scores(out / "scores.csv")[("none", "dlib")]
    assert alone["conditions"][0]["operating_point"]["threshold"] == summary["conditions"][1]["operating_point"]["threshold"]
    assert {r.condition for r in read_rows(other / "results.csv")} == {f"import:{cloaks}"}


def test_restating_at_another_fmr_needs_only_the_files(swapped_study):
    out, summary = swapped_study
    rows = read_rows(out / "results.csv")
    saved = json.loads((out / "summary.json").read_text())
    judged, again = restate(rows, saved, out / "scores.csv", 0.1)
    assert again["conditions"] == saved["conditions"] and judged == rows
    _, loose = restate(rows, saved, out / "scores.csv", 1.0)
    assert loose["conditions"][0]["operating_point"]["threshold"] is None
    assert [e["reidentified"] for e in loose["conditions"]] == [e["rank1"]["reidentified"] for e in saved["conditions"]]


def _fixture():
    from tests.conftest import FIXTURES

    return FIXTURES / "imm"


def test_azure_is_calibrated_on_the_clean_condition_and_keeps_its_own_line_without_it(standin, tmp_path):
    from core.metrics.operating_point import operating_point

    fixture_imm = _fixture()
    cloaks = _swapped_cloaks(fixture_imm, tmp_path / "cloaks")
    options = {"endpoint": standin.endpoint, "key": standin.key, "calls_per_second": 1000, "poll_interval_s": 0.05,
               "max_candidates": 1}  # the study asks for more
    out = tmp_path / "study"
    summary = run_study(StudyConfig(fixture_imm, out, recognizers=["azure"], recognizer_options={"azure": options},
                                    conditions=["none", f"import:{cloaks}"], fmr=0.1))
    op = summary["operating_points"]["azure"]
    scores = read_scores(out / "scores.csv")
    # asked for every candidate (not Azure's default few), so each clean photo meets both other people
    assert all(len(candidates) == 3 for _, candidates in scores[("none", "azure")].values())
    impostors = [s for _, (person, candidates) in scores[("none", "azure")].items() for c, s in candidates.items() if c != person]
    assert (op["calibrated"], op["score"], op["impostor_comparisons"], op["threshold"]) == (True, "confidence", 6, max(impostors))
    assert summary["conditions"][1]["rank1"]["reidentified"] == 1
    without_clean = {key: photos for key, photos in scores.items() if key[0] != "none"}
    own = operating_point("azure", without_clean, 0.01, AzureRecognizer.scale, own_threshold=0.5)
    assert (own.calibrated, own.threshold, own.score, own.impostor_comparisons) == (False, 0.5, "confidence", 0)
    assert "at its own confidence 0.5 (not calibrated" in closing_line(
        {**summary["conditions"][1], "operating_point": {**own.to_json(), "reidentified": 0, "people": 3,
                                                         "protection_rate": 1.0, "ci95": wilson(3, 3)}})


def test_repeats_run_our_cloaking_again_and_everything_on_a_random_split():
    from core.repeats import seeded_conditions

    conditions = ["none", "import:/x/high", "fawkes:0.3:high", "fawkes:1.0:low+jpeg:75", "import:/x/high@3"]
    assert seeded_conditions(StudyConfig(_fixture(), _fixture(), conditions=conditions)) == [
        "fawkes:0.3:high", "fawkes:1.0:low+jpeg:75", "import:/x/high@3"]
    assert seeded_conditions(StudyConfig(_fixture(), _fixture(), split="random:1", conditions=conditions)) == conditions


def test_scores_written_after_a_killed_run_are_read_whole(tmp_path):
    from core.metrics.scores import ScoreLog
    from core.recognizers.base import Candidate

    log = ScoreLog(tmp_path)
    log.add("none", "dlib", "01-6m.jpg", "01", [Candidate("01", 0.8, 0.3), Candidate("02", 0.4, 0.7)], DISTANCE)
    with log.path.open("a") as fh:
        fh.write("none,dlib,02-6m.jpg,02,0")  # killed in the middle of a line
    log.add("none", "dlib", "02-6m.jpg", "02", [Candidate("02", 0.8, 0.25), Candidate("01", 0.3, 0.8)], DISTANCE)
    assert read_scores(log.path) == {("none", "dlib"): {"01-6m.jpg": ("01", {"01": 0.3, "02": 0.7}),
                                                        "02-6m.jpg": ("02", {"02": 0.25, "01": 0.8})}}


def test_a_repeat_calibrates_on_the_main_studys_clean_scores_without_enrolling_again(swapped_study, tmp_path):
    from core.calibration import ensure_clean_scores
    from core.datasets import open_dataset
    from core.metrics.scores import ScoreLog
    from core.repeats import _share_clean_scores
    from core.split import Split

    out, _ = swapped_study
    repeat = tmp_path / "repeats" / "seed-1"
    _share_clean_scores(out, repeat)
    shared = (repeat / "scores.csv").read_bytes()
    assert read_scores(repeat / "scores.csv")[(CALIBRATION, "dlib")] == read_scores(out / "scores.csv")[("none", "dlib")]
    config = StudyConfig(_fixture(), repeat, conditions=["fawkes:0.3:high"], seed=1)
    ensure_clean_scores(config, open_dataset(_fixture()), Split.load(out / "split.json"), ScoreLog(repeat))
    assert (repeat / "scores.csv").read_bytes() == shared, "nothing was enrolled again"


def test_a_studys_scores_say_what_they_are_so_a_tracker_gone_since_is_still_judged_right(tmp_path):
    """The score's kind and direction are written with the scores: restating a study of a tracker the program no
    longer knows (a distance, lower is better) reads them from the folder, not from the tracker's name."""
    from core import catalogue
    from tests import tiny_tracker

    catalogue.register(tiny_tracker.ENTRY)
    try:
        out = tmp_path / "study"
        summary = run_study(StudyConfig(_fixture(), out, recognizers=[tiny_tracker.NAME], fmr=0.1))
    finally:
        catalogue.unregister(tiny_tracker.NAME)
    lines = list(csv.DictReader((out / "scores.csv").open()))
    assert {(r["score_kind"], r["higher_is_better"]) for r in lines} == {("distance", "no")}
    assert summary["score_scales"][tiny_tracker.NAME]["kind"] == "distance"
    saved = json.loads((out / "summary.json").read_text())
    rows = read_rows(out / "results.csv")
    judged, again = restate(rows, saved, out / "scores.csv", 0.1)
    assert again["conditions"] == saved["conditions"] and judged == rows
    assert again["operating_points"][tiny_tracker.NAME]["threshold_confidence"] == \
        saved["operating_points"][tiny_tracker.NAME]["threshold_confidence"] is not None
    judged, again = restate(rows, None, out / "scores.csv", 0.1)  # unfinished, no summary: scores.csv's columns tell
    assert [e["operating_point"]["threshold"] for e in again["conditions"]] == \
        [e["operating_point"]["threshold"] for e in saved["conditions"]]


def test_a_study_written_before_scores_carried_their_scale_reads_the_same(swapped_study, tmp_path):
    """Old folders (no score columns, no ``score_scales``) still open: the catalogue tells a known tracker's scale."""
    out, _ = swapped_study
    old = tmp_path / "old"
    shutil.copytree(out, old)
    with (out / "scores.csv").open(newline="") as fh:
        lines = [line[:6] for line in csv.reader(fh)]
    with (old / "scores.csv").open("w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(lines)
    saved = json.loads((old / "summary.json").read_text())
    del saved["score_scales"]
    judged, again = restate(read_rows(old / "results.csv"), saved, old / "scores.csv", 0.1)
    assert again["conditions"] == saved["conditions"] and judged == read_rows(out / "results.csv")
