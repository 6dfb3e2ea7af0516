"""Condition modifiers (+jpeg:Q, +resize:S, @K) on real photos: the bytes enrolled are what the spelling says."""
import hashlib
import io
import json
import re
import shutil

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from core.conditions.build import parse_condition
from core.datasets import open_dataset
from core.images import load_rgb
from core.jobs import Job
from core.images import encode_jpeg
from core.modifiers.leak import pick
from core.split import make_split
from core.study import StudyConfig, run_study
from tests.photo_cases import grid_cloaks


@pytest.fixture
def imm(fixture_imm):
    dataset = open_dataset(fixture_imm, check_images=False)
    return dataset, make_split(dataset)


@pytest.fixture(scope="module")
def made_cloaks(tmp_path_factory):
    from tests.conftest import FIXTURES

    return grid_cloaks(FIXTURES / "imm", tmp_path_factory.mktemp("cloaks"))


@pytest.fixture
def cloaks(made_cloaks, tmp_path):
    return shutil.copytree(made_cloaks, tmp_path / "cloaks")


def prepare(spec, imm, out, seed=0):
    dataset, split = imm
    return parse_condition(spec, seed=seed).prepare(dataset, split, out)


def listing(prepared):
    folder = next(iter(prepared.training.values()))[0].parent
    return json.loads((folder / "enrolled.json").read_text())["photos"]


def test_jpeg_enrols_jpeg_bytes_of_that_quality_with_420_chroma(imm, cloaks, tmp_path):
    prepared = prepare(f"import:{cloaks}+jpeg:75", imm, tmp_path / "study")

    assert prepared.name == f"import:{cloaks}+jpeg:75"
    files = [f for files in prepared.training.values() for f in files]
    assert len(files) == 15 and all(f.is_relative_to(tmp_path / "study" / "enrolled") for f in files)
    reference = Image.open(io.BytesIO(encode_jpeg(np.zeros((16, 16, 3), np.uint8), 75)))
    for file in files:
        with Image.open(file) as img:
            assert img.format == "JPEG" and img.size == (640, 480)
            assert img.quantization == reference.quantization  # quality 75's tables
            assert JpegImagePlugin.get_sampling(img) == 2  # 4:2:0
    q74 = Image.open(io.BytesIO(encode_jpeg(np.zeros((16, 16, 3), np.uint8), 74))).quantization
    assert q74 != reference.quantization  # the tables tell qualities apart
    first = files[0]
    expected = encode_jpeg(load_rgb(cloaks / "01-1m_high_cloaked.png"), 75)
    assert first.name == "01-1m_cloaked.jpg" and first.read_bytes() == expected  # the cloak, re-encoded
    assert prepared.judged_as("dlib") == "black-box"


def test_resize_downscales_the_longer_side_and_never_upscales(imm, fixture_imm, tmp_path):
    small = prepare("none+resize:320", imm, tmp_path / "a")
    for file in (f for files in small.training.values() for f in files):
        with Image.open(file) as img:
            assert img.size == (320, 240) and img.format == "PNG"
    expected = np.asarray(Image.fromarray(load_rgb(fixture_imm / "01-1m.jpg")).resize((320, 240), Image.Resampling.LANCZOS))
    assert np.array_equal(load_rgb(small.training["01"][0]), expected)
    assert small.judged_as("dlib") == "clean"

    large = prepare("none+resize:1080", imm, tmp_path / "b")
    first = large.training["01"][0]
    assert first.read_bytes() == (fixture_imm / "01-1m.jpg").read_bytes()  # already small enough: untouched
    assert any("already that small" in note for note in large.notes)


def test_at_k_keeps_k_cloaks_per_person_chosen_by_the_seed(imm, cloaks, fixture_imm, tmp_path):
    prepared = prepare(f"import:{cloaks}@3", imm, tmp_path / "s0")
    again = prepare(f"import:{cloaks}@3", imm, tmp_path / "s0-again")
    entries = listing(prepared)
    for person in ("01", "02", "03"):
        own = [e for e in entries if e["person"] == person]
        assert sum(e["cloaked"] for e in own) == 3 and sum(not e["cloaked"] for e in own) == 2
        for e in own:  # cloaked ones are the cloak's bytes, leaked ones the clean photo's
            source = cloaks / e["original"].replace(".jpg", "_high_cloaked.png") if e["cloaked"] else fixture_imm / e["original"]
            assert hashlib.sha256(source.read_bytes()).hexdigest() == e["sha256"]
    assert entries == listing(again)  # same seed, same photos, same bytes

    picks = {seed: [e["original"] for e in listing(prepare(f"import:{cloaks}@3", imm, tmp_path / f"s{seed}", seed)) if e["cloaked"]]
             for seed in (1, 2)}
    chosen = [e["original"] for e in entries if e["cloaked"]]
    assert picks[1] != chosen or picks[2] != chosen  # another seed, other photos
    assert pick(["a", "b", "c", "d", "e"], 3, 7, "01") == pick(["e", "d", "c", "b", "a"], 3, 7, "01")


def test_at_percent_rounds_and_too_few_photos_are_set_aside(imm, cloaks, tmp_path):
    entries = listing(prepare(f"import:{cloaks}@50%", imm, tmp_path / "p"))
    assert sum(e["cloaked"] for e in entries if e["person"] == "01") == 3  # half of 5 rounds up
    too_many = prepare(f"import:{cloaks}@6", imm, tmp_path / "k")
    assert too_many.training == {}
    assert too_many.set_aside == {p: "has 5 training photos; @6 needs at least 6" for p in ("01", "02", "03")}


def test_chains_apply_left_to_right(imm, cloaks, fixture_imm, tmp_path):
    leak_then_jpeg = listing(prepare(f"import:{cloaks}@3+resize:320+jpeg:60", imm, tmp_path / "a"))
    for e in leak_then_jpeg:
        file = tmp_path / "a" / "enrolled" / next((tmp_path / "a" / "enrolled").iterdir()).name / e["file"]
        with Image.open(file) as img:
            assert img.format == "JPEG" and img.size == (320, 240)  # leaked photos are uploaded too
        source = cloaks / e["original"].replace(".jpg", "_high_cloaked.png") if e["cloaked"] else fixture_imm / e["original"]
        shrunk = np.asarray(Image.fromarray(load_rgb(source)).resize((320, 240), Image.Resampling.LANCZOS))
        assert file.read_bytes() == encode_jpeg(shrunk, 60)

    jpeg_then_leak = listing(prepare(f"import:{cloaks}+jpeg:60@3", imm, tmp_path / "b"))
    leaked = [e for e in jpeg_then_leak if not e["cloaked"]]
    assert len(leaked) == 6 and all(e["file"].endswith(".jpg") and e["steps"] == ["+jpeg:60", "@3: enrolled clean (leaked)"]
                                    for e in leaked)
    for e in leaked:  # the leaked photo is the clean original, as it was: the re-encoding was of the cloak
        assert hashlib.sha256((fixture_imm / e["original"]).read_bytes()).hexdigest() == e["sha256"]
    assert {e["original"] for e in leaked} == {e["original"] for e in leak_then_jpeg if not e["cloaked"]}


@pytest.mark.parametrize("spec, words", [
    ("none+jpg:75", "Unknown modifier '+jpg:75'"),
    ("none+jpeg:0", "JPEG quality from 1 to 100"),
    ("none+jpeg:high", "JPEG quality from 1 to 100"),
    ("none+jpeg", "needs a value"),
    ("none+resize:0", "longest side in pixels"),
    ("fawkes:0.3:high@0", "how many photos per person stay cloaked"),
    ("fawkes:0.3:high@150%", "percentage above 0 and at most 100"),
    ("fawkes:0.3:high@3@2", "2 @ modifiers"),
    ("none@3", "'none' has no cloaks"),
    ("import:/no/such/folder+jpg:75", "that folder does not exist"),
])
def test_bad_spellings_fail_before_any_work_with_one_line(fixture_imm, tmp_path, spec, words):
    with pytest.raises(ValueError, match=re.escape(words)) as caught:
        run_study(StudyConfig(fixture_imm, tmp_path / "study", conditions=["none", spec]))
    assert "\n" not in str(caught.value) and spec in str(caught.value)
    assert not (tmp_path / "study").exists()


def test_a_folder_whose_name_holds_a_plus_is_not_read_as_a_modifier(cloaks, tmp_path):
    folder = cloaks.rename(tmp_path / "cloaks+jpeg:75")
    assert parse_condition(f"import:{folder}").name == f"import:{folder}"


def test_a_study_names_each_condition_in_full_and_records_its_steps(fixture_imm, cloaks, tmp_path):
    out = tmp_path / "study"
    specs = ["none+jpeg:75", f"import:{cloaks}@3+jpeg:75"]
    summary = run_study(StudyConfig(fixture_imm, out, seed=4, conditions=specs), Job())

    assert [c["name"] for c in summary["conditions"]] == specs
    assert [c["judged"] for c in summary["conditions"]] == ["clean", "black-box"]
    assert [c["gallery"] for c in summary["conditions"]] == [3, 3]  # no distractors: the study's own people
    assert {r.split(",")[0] for r in (out / "results.csv").read_text().splitlines()[1:]} == set(specs)
    manifest = json.loads((out / "manifest.json").read_text())
    steps = manifest["transformations"][specs[1]]
    assert steps["base"] == f"import:{cloaks}" and steps["seed"] == 4
    assert steps["steps"] == [{"step": "cloaked_subset", "photos": 3, "rest": "enrolled clean (leaked)", "chosen_with": "seed and person"},
                              {"step": "jpeg", "quality": 75, "chroma_subsampling": "4:2:0", "encoder": "Pillow"}]
    enrolled = (out / steps["folder"] / "enrolled.json").read_text()
    run_study(StudyConfig(fixture_imm, out, seed=4, conditions=specs), Job())  # resumed: the same bytes again
    assert (out / steps["folder"] / "enrolled.json").read_text() == enrolled


def test_the_viewer_preview_is_what_the_study_enrols(imm, cloaks, fixture_imm, tmp_path):
    from core.modifiers.preview import as_enrolled

    spec = f"import:{cloaks}@3+resize:320+jpeg:75"
    prepared = prepare(spec, imm, tmp_path / "study", seed=2)
    _, split = imm
    for entry, file in zip(listing(prepared), prepared.training["01"]):
        if entry["person"] != "01":
            continue
        rgb, words = as_enrolled(spec, cloaks / entry["original"].replace(".jpg", "_high_cloaked.png"),
                                 fixture_imm / entry["original"], 2, "01", split.train["01"], entry["original"])
        assert np.array_equal(rgb, load_rgb(file)), entry["original"]
        assert words.startswith("@3: stays cloaked" if entry["cloaked"] else "@3: enrolled clean (leaked)")
    assert as_enrolled(f"import:{cloaks}", cloaks / "01-1m_high_cloaked.png", fixture_imm / "01-1m.jpg") is None
