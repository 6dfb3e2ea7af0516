"""The core of "Check my own photos": which photos are used, the seeded split, refusals, and the answer's words."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.datasets import open_dataset
from core.detection import Screening
from core.recognizers.registry import make_recognizer
from core.results import BELOW_THRESHOLD, IDENTIFIED, WRONG_PERSON, ResultRow
from core.sample import SAMPLE
from core.self_check import (NO_ANSWER, NOT_PROTECTED, PARTLY, PROTECTED, SelfCheckConfig, answer_for, crowd_choices,
                             find_my_photos, run_self_check, split_my_photos)
from tests.photo_cases import me_and_a_crowd


def test_my_photos_say_which_are_used_and_why(fixture_imm, tmp_path):
    shutil.copy(fixture_imm / "03-1m.jpg", tmp_path / "alone.jpg")
    left, right = Image.open(fixture_imm / "01-1m.jpg"), Image.open(fixture_imm / "02-1m.jpg")
    pair = Image.new("RGB", (left.width + right.width, left.height))
    pair.paste(left, (0, 0))
    pair.paste(right, (left.width, 0))
    pair.save(tmp_path / "with a friend.jpg")
    Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(tmp_path / "wall.png")
    (tmp_path / "broken.jpg").write_bytes(b"not a photo")
    mine = find_my_photos(tmp_path)
    assert [p.name for p in mine.usable] == ["alone.jpg", "with a friend.jpg"]
    assert mine.notes() == ["with a friend.jpg shows 2 faces: the largest one is taken to be you."]
    assert sorted(str(p) for p in mine.problems) == ["broken.jpg: not an image file Pillow can read", "wall.png: no face found"]


def test_split_keeps_one_test_photo_and_two_from_six(tmp_path):
    five = [tmp_path / f"p{i}.jpg" for i in range(5)]
    train, test = split_my_photos(five, seed=0)
    assert len(test) == 1 and len(train) == 4 and set(train) | set(test) == set(five)
    six = five + [tmp_path / "p5.jpg"]
    train, test = split_my_photos(six, seed=3)
    assert len(test) == 2 and len(train) == 4
    assert split_my_photos(list(reversed(six)), seed=3) == (train, test)  # the seed, not the order, decides
    assert {tuple(split_my_photos(six, seed=s)[1]) for s in range(10)} != {tuple(test)}


def test_refusals_come_before_any_work(fixture_imm, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    for i in (1, 2):
        shutil.copy(fixture_imm / f"03-{i}m.jpg", mine)
    config = SelfCheckConfig(photos=mine, crowd=SAMPLE, out=tmp_path / "out", recognizers=["dlib"])
    with pytest.raises(ValueError, match="2 of the photos .* show a face; at least 3 are needed"):
        run_self_check(config)
    shutil.copy(fixture_imm / "03-3m.jpg", mine)
    crowd = tmp_path / "crowd"
    (crowd / "me").mkdir(parents=True)
    (crowd / "other").mkdir()
    for i in (1, 2):
        shutil.copy(fixture_imm / f"01-{i}m.jpg", crowd / "me")
        shutil.copy(fixture_imm / f"02-{i}m.jpg", crowd / "other")
    config.crowd = crowd
    with pytest.raises(ValueError, match="already has a person called 'me'"):
        run_self_check(config)
    assert not (tmp_path / "out" / "cloaks").exists()


def _rows(condition: str, *outcomes: tuple[str, str, float]) -> list[ResultRow]:
    judged = "clean" if condition == "none" else "black-box"
    return [ResultRow(condition, "mobileface", judged, "me", f"t{i}.jpg", predicted, confidence, 0.0, outcome)
            for i, (outcome, predicted, confidence) in enumerate(outcomes)]


def test_answer_in_plain_sentences():
    config = SelfCheckConfig(photos=Path(), crowd=Path(), out=Path(), version="0.3", mode="high", recognizers=["mobileface"])
    clean = _rows("none", (IDENTIFIED, "me", 0.81))
    hidden = answer_for("mobileface", "me", clean + _rows("fawkes:0.3:high", (WRONG_PERSON, "07", 0.55)), config)
    assert hidden.verdict == PROTECTED and hidden.judged == "black-box"
    assert hidden.sentences[:2] == ["Without cloaking, mobileface recognised you (confidence 0.81).",
                                    "With Fawkes 0.3.1 high, mobileface no longer picked you out (best guess: 07)."]
    assert "not made against mobileface" in hidden.sentences[2]
    unsure = answer_for("mobileface", "me", clean + _rows("fawkes:0.3:high", (BELOW_THRESHOLD, "me", 0.42)), config)
    assert "its best guess was you, but only with confidence 0.42, under the 0.50 a match needs" in unsure.text
    seen = answer_for("mobileface", "me", clean + _rows("fawkes:0.3:high", (IDENTIFIED, "me", 0.66)), config)
    assert seen.verdict == NOT_PROTECTED and "With Fawkes 0.3.1 high, mobileface still recognised you (confidence 0.66)." in seen.text
    two = _rows("none", (IDENTIFIED, "me", 0.81), (IDENTIFIED, "me", 0.79))
    half = answer_for("mobileface", "me", two + _rows("fawkes:0.3:high", (IDENTIFIED, "me", 0.6), (WRONG_PERSON, "12", 0.5)), config)
    assert half.verdict == PARTLY and "recognised you in both test photos (confidence 0.81 and 0.79)" in half.text
    assert "still recognised you in 1 of 2 test photos (confidence 0.60)" in half.text
    # a screening tracker that set every photo of yours aside: said, so its miss is not read as the cloak fooling it
    every = Screening("fawkes:0.3:high", kept={"me": []}, set_aside={"me": [Path(f"c{i}.png") for i in range(4)]})
    screened = answer_for("mobileface/screened", "me", [replace(r, recognizer="mobileface/screened")
                                                         for r in clean + _rows("fawkes:0.3:high", (WRONG_PERSON, "07", 0.55))],
                          config, {"fawkes:0.3:high": every})
    assert "With Fawkes 0.3.1 high: a tracker that screens photos for cloaks would have set aside 4 of your 4 photos." in screened.text
    assert "none of your photos left to learn you from" in screened.text
    assert "none of your photos left" not in hidden.text
    blind = answer_for("mobileface", "me", _rows("none", (WRONG_PERSON, "03", 0.7)) + _rows("fawkes:0.3:high", (WRONG_PERSON, "03", 0.6)), config)
    assert blind.verdict == NO_ANSWER and blind.sentences[0].startswith("Even without cloaking, mobileface did not pick you out")


def test_crowds_on_offer(tmp_path):
    assert crowd_choices(tmp_path) == [("The bundled sample (5 people, 30 photos)", SAMPLE)]
    imm = tmp_path / "datasets" / "imm_face_db" / "imm"
    imm.mkdir(parents=True)
    for photo in SAMPLE.glob("0[12]-*.jpg"):
        shutil.copy(photo, imm)
    assert crowd_choices(tmp_path)[0] == ("The full IMM database (2 people, 12 photos)", imm)


def test_a_tracker_that_screens_for_cloaks_enrols_only_what_its_detector_lets_through(fixture_imm, tmp_path):
    """dlib/screened in the check: your cloaked training photos its detector flags are set aside, said in the
    answer ("would have set aside 3 of your 4 photos"), and it looks for you with the rest only; judged white-box,
    as the cloak was made against dlib, the network it uses."""
    mine, crowd = me_and_a_crowd(fixture_imm, SAMPLE, tmp_path)
    config = SelfCheckConfig(photos=mine, crowd=crowd, out=tmp_path / "out", version="1.0", mode="custom",
                             custom={"steps": 2}, recognizers=["dlib/screened"], cache_dir=tmp_path / "cache", device="cpu")
    check = run_self_check(config)

    (screened,) = json.loads((config.out / "answer.json").read_text())["screened"]
    aside = screened["set_aside_photos"].get("me", [])
    assert screened["condition"] == "fawkes:1.0:custom" and screened["photos"] == len(check.train) == 4 and aside
    (answer,) = check.answers
    assert answer.judged == "white-box" and "made against dlib, the network dlib/screened uses" in answer.text
    assert f"With Fawkes 1.0 custom: a tracker that screens photos for cloaks would have set aside {len(aside)} of your 4 photos." in answer.text

    kept = [check.cloaks[p] for p in check.train if check.cloaks[p].name not in aside]
    plain = make_recognizer("dlib")  # the same network given only the photos the screening let through
    try:
        for person, photos in open_dataset(crowd).people().items():
            for photo in photos:
                plain.enrol(person, photo.path)
        for photo in kept:
            plain.enrol("me", photo)
        plain.train()
        expected = {p.name: plain.identify(p)[0] for p in check.test}
    finally:
        plain.close()
    rows = [r for r in check.rows if r.condition == "fawkes:1.0:custom"]
    assert {r.file: (r.predicted, round(r.score, 6)) for r in rows} == {
        name: (best.person, round(best.score, 6)) for name, best in expected.items()}
