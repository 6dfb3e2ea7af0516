"""What the privacy question promises (core.online_plan) against what a study then sends: a crowd goes to a
service that keeps it once a study, and each repeat is a study of its own that sends it again."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.images import load_rgb
from core.online_plan import Counts, plan_for, study_counts
from core.repeats import run_repeated
from core.study import StudyConfig
from tests.photo_cases import copy_persons
from tests.core.recognizers.test_rekognition import FAST, aws  # noqa: F401 - fixtures
from tests.core.recognizers.services.test_rounds import crowd_uploads


def imported_cloaks(people: Path, folder: Path) -> Path:
    """Stand-in cloaks of people 01 and 02, named as Fawkes names them."""
    folder.mkdir()
    for original in sorted(people.glob("*.jpg")):
        rgb = load_rgb(original).astype(np.int16)
        rgb[::7, ::7] += 40
        Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(folder / f"{original.stem}_high_cloaked.png")
    return folder


def test_repeats_send_the_crowd_again_and_the_plan_says_so(aws, fixture_imm, tmp_path):
    people = copy_persons(fixture_imm, tmp_path / "people", ("01", "02"))
    crowd = copy_persons(fixture_imm, tmp_path / "crowd", ("03",))
    seeded = f"import:{imported_cloaks(people, tmp_path / 'cloaks')}@2"
    config = StudyConfig(people, tmp_path / "out", recognizers=["rekognition"], conditions=["none", seeded],
                         distractors=crowd, repeat=2, recognizer_options={"rekognition": dict(FAST)})

    counts = study_counts(config)
    assert counts == Counts(people=3, training_photos=16, test_photos=2, runs=3, crowd_people=1, crowd_photos=6,
                            studies=2)
    plan = plan_for("rekognition", dict(FAST), counts)

    run_repeated(config)

    sent = crowd_uploads("rekognition", aws, crowd)
    assert set(sent.values()) == {2} and len(sent) == 6  # each crowd photo once in the study, once in its repeat
    assert plan.uploads == 3 * (10 + 2) + 2 * 6  # the people's photos each run, the crowd once a study
    assert plan.uploads == sum(1 for e in aws.log if e.image is not None and e.status == 200)


def test_a_service_that_is_not_set_up_gives_its_reason_instead_of_a_plan(monkeypatch, memory_keyring):
    monkeypatch.delenv("FACEPP_API_KEY", raising=False)
    monkeypatch.delenv("FACEPP_API_SECRET", raising=False)
    reason = plan_for("facepp", {"endpoint": "http://127.0.0.1:9"}, Counts(3, 15, 3))
    assert isinstance(reason, Exception) and str(reason).startswith("No Face++ API key and API secret")
