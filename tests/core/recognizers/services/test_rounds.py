"""A crowd (``--distractors``) goes to an online service once a study, not once a condition (core.pair_trackers,
core.recognizers.services.rounds): driven through the real clients (boto3, requests) against the local stand-ins,
a study of two conditions must upload each crowd photo once, rank each condition against its own people and the
crowd only (the same rows and scores as a tracker a condition), and leave nothing behind however it ends."""
from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from core.jobs import Cancelled, Job
from core.recognizers import rekognition
from core.recognizers.facepp import FacePlusPlusRecognizer
from core.recognizers.rekognition import RekognitionRecognizer
from core.results import read_rows
from core.study import StudyConfig, run_study
from tests.photo_cases import copy_persons
from tests.core.recognizers.test_facepp import FAST as FACEPP_FAST, env, server  # noqa: F401 - fixtures
from tests.core.recognizers.test_rekognition import FAST as REKOGNITION_FAST, aws  # noqa: F401 - fixtures

CONDITIONS = ["none", "none+jpeg:75"]  # the same two people in each, under the same names
TRACKERS = {"rekognition": (RekognitionRecognizer, REKOGNITION_FAST, "Amazon Rekognition"),
            "facepp": (FacePlusPlusRecognizer, FACEPP_FAST, "Face++")}
CROWD_STAGE = "Enrolling the other people"


class Watch(Job):
    """Keeps every stage and note; at stage ``at``'s step ``done`` raises ``failure`` (None: cancels)."""

    def __init__(self, at: str = "", done: int = 1, failure: Exception | None = None):
        super().__init__()
        self.stages: list[str] = []
        self.notes: list[str] = []
        self.at, self.done, self.failure = at, done, failure

    def step(self, stage: str, done: int, total: int, message: str = "") -> None:
        self.stages.append(stage)
        if self.at and stage.startswith(self.at) and done == self.done:
            if self.failure is not None:
                raise self.failure
            self.cancel()
        super().step(stage, done, total, message)

    def note(self, message: str) -> None:
        self.notes.append(message)


@pytest.fixture
def people_and_crowd(fixture_imm, tmp_path):
    """People 01 and 02 studied; person 03's six photos the crowd."""
    return (copy_persons(fixture_imm, tmp_path / "people", ("01", "02")),
            copy_persons(fixture_imm, tmp_path / "crowd", ("03",)))


def study(name: str, people: Path, crowd: Path, out: Path, job: Job | None = None) -> dict:
    config = StudyConfig(people, out, recognizers=[name], conditions=CONDITIONS, distractors=crowd,
                         recognizer_options={name: dict(TRACKERS[name][1])})
    return run_study(config, job or Job())


def outcome(out: Path) -> tuple[list, list]:
    """The rows and every candidate's score, as the study folder holds them."""
    rows = sorted((r.condition, r.person, r.file, r.predicted, r.outcome, r.rank1_correct)
                  for r in read_rows(out / "results.csv"))
    with (out / "scores.csv").open(newline="", encoding="utf-8") as fh:
        scores = sorted((line["condition"], line["file"], line["candidate"], line["score"])
                        for line in csv.DictReader(fh))
    return rows, scores


def crowd_uploads(name: str, standin, crowd: Path) -> Counter:
    """How often each crowd photo was sent to be enrolled (IndexFaces, detect)."""
    photos = {p.read_bytes() for p in crowd.iterdir()}
    if name == "rekognition":
        sent = [e.image for e in standin.log if e.operation == "IndexFaces"]
    else:
        sent = [e.upload for e in standin.log if e.path == "detect"]
    return Counter(s for s in sent if s in photos)


def made_and_deleted(name: str, standin) -> tuple[int, int, bool]:
    if name == "rekognition":
        ops = standin.operations()
        return ops.count("CreateCollection"), ops.count("DeleteCollection"), not standin.collections
    paths = [e.path for e in standin.log]
    return paths.count("faceset/create"), paths.count("faceset/delete"), not standin.facesets


@pytest.mark.parametrize("name", ["rekognition", "facepp"])
def test_a_crowd_is_uploaded_once_a_study_with_the_results_of_a_tracker_a_condition(name, request, people_and_crowd,
                                                                                   tmp_path, monkeypatch):
    standin = request.getfixturevalue("aws" if name == "rekognition" else "env")
    people, crowd = people_and_crowd
    job = Watch()

    summary = study(name, people, crowd, tmp_path / "kept", job)

    assert set(crowd_uploads(name, standin, crowd).values()) == {1} and len(crowd_uploads(name, standin, crowd)) == 6
    assert sum(stage.startswith(CROWD_STAGE) for stage in dict.fromkeys(job.stages)) == 1  # enrolled in one round
    assert [c["gallery"] for c in summary["conditions"]] == [3, 3]  # each condition's two people and the crowd
    made, deleted, nothing_left = made_and_deleted(name, standin)
    assert made == deleted == (1 if name == "rekognition" else 2) and nothing_left  # a faceset a condition on Face++
    plans = [n for n in job.notes if f"{TRACKERS[name][2]} calls" in n]
    assert len(plans) == 2 and "(18 photos sent, the crowd's 6 among them, once for the whole study)" in plans[0]
    assert ("(12 photos sent; the crowd's 6 photos were uploaded for an earlier condition and are not sent again)"
            in plans[1])
    described = json.loads((tmp_path / "kept" / "manifest.json").read_text())["recognizers"][name]
    assert described["crowd_uploads"] == 1 and described["rounds"] == CONDITIONS
    assert len(described["collections" if name == "rekognition" else "facesets"]) == made
    kept = outcome(tmp_path / "kept")
    for condition in CONDITIONS:  # ranked against its own people and the crowd, never the other condition's
        for file in ("01-6m.jpg", "02-6m.jpg"):
            candidates = [c for cond, f, c, _ in kept[1] if (cond, f) == (condition, file)]
            assert len(candidates) == len(set(candidates)) and set(candidates) <= {"01", "02", "03"}
            assert len(candidates) == 3 or name == "facepp"  # Face++ returns 5 faces, often all one person's

    monkeypatch.setattr(TRACKERS[name][0], "keeps_crowd", False)  # a tracker a condition, as before
    study(name, people, crowd, tmp_path / "apart")
    assert outcome(tmp_path / "apart") == kept and len(kept[0]) == 4
    assert made_and_deleted(name, standin)[0] == made + 2


@pytest.mark.parametrize("name", ["rekognition", "facepp"])
@pytest.mark.parametrize("failure", [RuntimeError("injected"), None], ids=["failure", "cancel"])
def test_a_study_that_fails_mid_way_deletes_what_it_made_and_a_rerun_counts_nothing_twice(name, failure, request,
                                                                                        people_and_crowd, tmp_path):
    standin = request.getfixturevalue("aws" if name == "rekognition" else "env")
    people, crowd = people_and_crowd
    out = tmp_path / "study"
    job = Watch(at=f"Identifying test photos ({CONDITIONS[1]} · {name})", done=1, failure=failure)

    with pytest.raises(RuntimeError if failure else Cancelled):
        study(name, people, crowd, out, job)

    made, deleted, nothing_left = made_and_deleted(name, standin)
    assert made == deleted == (1 if name == "rekognition" else 2) and nothing_left
    assert sum(stage.startswith(CROWD_STAGE) for stage in dict.fromkeys(job.stages)) == 1
    assert len(read_rows(out / "results.csv")) == 3  # the first condition's two, the second's first

    study(name, people, crowd, out)  # run again into the same folder: a new gallery, the crowd sent to it once

    rows = read_rows(out / "results.csv")
    assert sorted((r.condition, r.file) for r in rows) == sorted((c, f) for c in CONDITIONS
                                                                 for f in ("01-6m.jpg", "02-6m.jpg"))
    assert made_and_deleted(name, standin)[2]
    # Rekognition: once a run; Face++ reuses the tokens it detected in this process (they outlive a faceset)
    assert set(crowd_uploads(name, standin, crowd).values()) == {2 if name == "rekognition" else 1}


def test_a_collection_past_what_one_search_ranks_starts_afresh_and_says_so(aws, people_and_crowd, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(rekognition, "MAX_USERS", 4)  # the crowd and the first condition hold 3, the second adds 2
    people, crowd = people_and_crowd
    job = Watch()

    study("rekognition", people, crowd, tmp_path / "study", job)

    assert made_and_deleted("rekognition", aws) == (2, 2, True)
    assert set(crowd_uploads("rekognition", aws, crowd).values()) == {2}
    assert any("ranks at most 4 people a search, and the collection would hold 5: none+jpeg:75 gets a collection "
               "of its own, and the crowd is sent to it again." in n for n in job.notes)
    plans = [n for n in job.notes if "Amazon Rekognition calls" in n]
    assert all("the crowd's 6 among them" in plan for plan in plans)
    described = json.loads((tmp_path / "study" / "manifest.json").read_text())["recognizers"]["rekognition"]
    assert described["crowd_uploads"] == 2 and len(described["collections"]) == 2
    rows, scores = outcome(tmp_path / "study")
    assert len(rows) == 4 and all(r[3] == r[1] for r in rows)
    assert Counter((cond, f) for cond, f, _, _ in scores) == {(c, f): 3 for c in CONDITIONS
                                                              for f in ("01-6m.jpg", "02-6m.jpg")}
