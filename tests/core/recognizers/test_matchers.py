"""How a tracker matches: 1-NN names the person of the nearest single training photo, the trained classifier gives
probabilities and is calibrated at the study's false-match rate on its own clean scores, and the command line asks
several variants side by side, each under its full spelling."""
from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest

from core.recognizers.registry import recognizer_class
from core.metrics.operating_point import calibrate

from tests.cli_runner import run_main
from tests.conftest import FIXTURES

PEOPLE = ("01", "02", "03")


@pytest.fixture(scope="module")
def matcher_study(tmp_path_factory):
    """One study on the 18 fixture photos (3 test photos a person) asking dlib and two of its matchers at 10%."""
    out = tmp_path_factory.mktemp("matchers") / "study"
    code, printed, err = run_main("study", "--dataset", FIXTURES / "imm", "--out", out, "--condition", "none",
                                  "--split", "random:3", "--fmr", "10%", "--recognizer", "dlib",
                                  "--recognizer", "dlib/nearest", "--recognizer", "dlib/linear")
    assert code == 0, err
    return out, printed


def _enrolled(name: str, fixture_imm, photos: dict[str, list[str]]):
    recognizer = recognizer_class(name)()
    for person, files in photos.items():
        for file in files:
            recognizer.enrol(person, fixture_imm / file)
    recognizer.train()
    return recognizer


def test_nearest_names_the_person_of_the_nearest_single_photo_where_the_mean_does_not(fixture_imm):
    """Person 01's own test photo, enrolled once under 02's name among 02's photos: the mean of 02 stays far from
    it, but the nearest single photo is that very photo (distance 0)."""
    photos = {"01": [f"01-{i}m.jpg" for i in range(1, 6)], "02": [f"02-{i}m.jpg" for i in range(1, 6)] + ["01-6m.jpg"],
              "03": [f"03-{i}m.jpg" for i in range(1, 6)]}
    test = fixture_imm / "01-6m.jpg"
    nearest, mean = _enrolled("dlib/nearest", fixture_imm, photos), _enrolled("dlib", fixture_imm, photos)
    assert nearest.identify(test)[0].person == "02" and nearest.identify(test)[0].score == pytest.approx(0.0)
    assert mean.identify(test)[0].person == "01"
    # every person's score is the distance to their nearest photo, computed here by hand
    vectors = {p: [mean.vector(fixture_imm / f) for f in files] for p, files in photos.items()}
    expected = {p: min(np.linalg.norm(v - mean.vector(test)) for v in vs) for p, vs in vectors.items()}
    assert {c.person: c.score for c in nearest.identify(test)} == pytest.approx(expected)


def test_the_classifier_gives_each_person_a_probability(fixture_imm):
    photos = {p: [f"{p}-{i}m.jpg" for i in range(1, 6)] for p in PEOPLE}
    linear = _enrolled("dlib/linear", fixture_imm, photos)
    for person in PEOPLE:
        candidates = linear.identify(fixture_imm / f"{person}-6m.jpg")
        assert candidates[0].person == person
        assert sum(c.score for c in candidates) == pytest.approx(1.0)
        assert all(c.confidence == c.score for c in candidates)  # confidence is the probability itself
    assert linear.describe()["matcher"] == "linear" and linear.describe()["C"] > 0


def test_the_classifier_is_calibrated_at_the_fmr_on_its_own_clean_probabilities(matcher_study):
    out, _ = matcher_study
    point = json.loads((out / "manifest.json").read_text())["recognizers"]["dlib/linear"]["operating_point"]
    assert point["calibrated"] and point["score"] == "probability" and point["fmr"] == 0.1
    impostors = [float(line["score"]) for line in csv.DictReader((out / "scores.csv").open())
                 if line["recognizer"] == "dlib/linear" and line["candidate"] != line["person"]]
    assert len(impostors) == point["impostor_comparisons"] == 18  # 9 clean test photos × 2 other people
    assert point["threshold"] == calibrate(impostors, 18, 0.1, True)
    passing = sum(score > point["threshold"] for score in impostors)
    assert passing == math.floor(0.1 * 18) and passing / 18 <= 0.1


def test_the_command_line_asks_matchers_side_by_side_under_their_full_spelling(matcher_study):
    out, printed = matcher_study
    names = {"dlib", "dlib/nearest", "dlib/linear"}
    assert {line["recognizer"] for line in csv.DictReader((out / "results.csv").open())} == names
    summary = json.loads((out / "summary.json").read_text())
    assert {e["recognizer"] for e in summary["conditions"]} == names
    assert summary["score_scales"]["dlib/linear"]["kind"] == "probability"
    assert summary["score_scales"]["dlib/nearest"]["kind"] == "distance"
    manifest = json.loads((out / "manifest.json").read_text())["recognizers"]
    assert manifest["dlib/nearest"]["variant_of"] == "dlib" and manifest["dlib/nearest"]["matcher"] == "nearest"
    assert "none · dlib/nearest (clean)" in printed
