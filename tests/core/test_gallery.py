"""Distractors: other people enrolled clean, never tested; names shared with the study's people refused."""
import json

import pytest

from core.jobs import Job
from core.results import read_rows
from core.study import StudyConfig, run_study
from tests.photo_cases import copy_persons


@pytest.fixture
def two_and_one(fixture_imm, tmp_path):
    """The study's people 01 and 02; person 03's six photos as the other people."""
    return copy_persons(fixture_imm, tmp_path / "study-people", ("01", "02")), copy_persons(fixture_imm, tmp_path / "others", ("03",))


def test_distractors_are_enrolled_never_tested_and_counted_in_the_gallery(two_and_one, tmp_path):
    people, others = two_and_one
    out = tmp_path / "study"
    notes = []
    summary = run_study(StudyConfig(people, out, conditions=["none+jpeg:75"], distractors=others),
                        Job(lambda p: notes.append(p.message) if p.stage == "note" else None))

    assert [(c["name"], c["people"], c["gallery"]) for c in summary["conditions"]] == [("none+jpeg:75", 2, 3)]
    rows = read_rows(out / "results.csv")
    assert {r.person for r in rows} == {"01", "02"}  # 03 is never tested
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["distractors"]["people"] == 1 and manifest["distractors"]["photos"] == 6
    assert len(manifest["distractors"]["fingerprint_sha256"]) == 64
    assert any("1 other people" in n and "6 photos" in n for n in notes)
    assert json.loads((out / "study.json").read_text())["distractors"] == str(others)


def test_distractor_names_that_are_people_of_the_study_are_refused_by_name(fixture_imm, tmp_path):
    others = copy_persons(fixture_imm, tmp_path / "others", ("02", "03"))
    with pytest.raises(ValueError, match=r"2 of the other people .* same names as people of the study \(02, 03\)"):
        run_study(StudyConfig(fixture_imm, tmp_path / "study", distractors=others))
    assert not (tmp_path / "study" / "results.csv").exists()


def test_azure_plan_counts_the_distractors(two_and_one, tmp_path, standin):
    people, others = two_and_one
    notes = []
    options = {"endpoint": standin.endpoint, "key": standin.key, "calls_per_second": 1000, "poll_interval_s": 0.05, "backoff_s": 0.05}
    run_study(StudyConfig(people, tmp_path / "study", recognizers=["azure"], recognizer_options={"azure": options},
                          distractors=others), Job(lambda p: notes.append(p.message) if p.stage == "note" else None))
    # probe, group, 3 people, 10 + 6 photos, train, 3 polls, 2 test photos × 2, delete
    calls = 1 + 1 + 3 + 16 + 1 + 3 + 4 + 1
    assert any(f"about {calls} Azure calls" in n for n in notes), notes
    created = [e for e in standin.log if e.method == "POST" and e.path.endswith("/persons")]
    assert len(created) == 3
