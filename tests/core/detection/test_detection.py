"""Could a tracker spot the cloaks (core.detection), on real IMM photos: features from one photo alone, folds
that never split a person, the same figures from the same inputs, a detector that finds a visible change and
finds nothing where there is nothing, the real Fawkes 0.3.1 cloaks, the study's entries and the screening."""
import json
import shutil

import numpy as np
import pytest
from PIL import Image, ImageFilter
from sklearn.metrics import roc_auc_score

from core.conditions.build import parse_condition
from core.conditions.listing import read_listing
from core.datasets import open_dataset
from core.detection import CloakDetection, Sample, cloak_detection, condition_detection, detect_cloaks, screen_training
from core.detection.crossval import grouped_folds
from core.detection.features import photo_features
from core.detection.formats import COMPARED
from core.detection.measures import auc
from core.detection.samples import clean_training_samples, study_samples
from core.images import load_rgb
from core.jobs import Job
from core.split import make_split
from tests.conftest import FIXTURES, SHARED

PEOPLE = ("01", "02", "03")


@pytest.fixture(scope="module")
def imm():
    dataset = open_dataset(FIXTURES / "imm", check_images=False)
    return dataset, make_split(dataset)


@pytest.fixture(scope="module")
def stand_in_cloaks(tmp_path_factory):
    """Each training photo with a visible, deterministic change (seeded noise of 8 grey levels on every pixel),
    saved as PNG as Fawkes names them (as tests/core/modifiers/test_modifiers.py makes its stand-ins)."""
    folder, rng = tmp_path_factory.mktemp("cloaks"), np.random.default_rng(0)
    for person in PEOPLE:
        for i in range(1, 6):
            rgb = load_rgb(FIXTURES / "imm" / f"{person}-{i}m.jpg") + rng.normal(0, 8, (480, 640, 3))
            Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(folder / f"{person}-{i}m_high_cloaked.png",
                                                                        compress_level=1)
    return folder


@pytest.fixture(scope="module")
def stand_in_samples(imm, stand_in_cloaks):
    dataset, split = imm
    cloaked = [Sample(p, True, p.name[:2]) for p in sorted(stand_in_cloaks.glob("*.png"))]
    return clean_training_samples(dataset, split) + cloaked


def test_features_see_one_photo_only_changing_the_original_leaves_a_cloaks_features(imm, stand_in_cloaks, tmp_path):
    shutil.copytree(FIXTURES / "imm", tmp_path / "photos")
    dataset = open_dataset(tmp_path / "photos", check_images=False)
    split = make_split(dataset)
    parse_condition(f"import:{stand_in_cloaks}").prepare(dataset, split, tmp_path / "study")
    listing = read_listing(tmp_path / "study", parse_condition(f"import:{stand_in_cloaks}").spec)
    samples = [s for s in study_samples(dataset, split, listing) if s.group == "01"]
    before = {s.path: photo_features(s.path, COMPARED) for s in samples}

    for photo in (tmp_path / "photos").glob("01-*.jpg"):  # every original of person 01 changed
        Image.open(photo).filter(ImageFilter.GaussianBlur(3)).save(photo, quality=95)
    after = {s.path: photo_features(s.path, COMPARED) for s in samples}

    cloaks = [s.path for s in samples if s.cloaked]
    originals = [s.path for s in samples if not s.cloaked]
    assert len(cloaks) == len(originals) == 5
    assert all(np.array_equal(before[p], after[p]) for p in cloaks)  # a cloak is judged by itself alone
    assert not any(np.allclose(before[p], after[p]) for p in originals)  # the features do see a changed photo


def test_folds_never_split_a_person_and_every_training_side_has_both(stand_in_samples):
    groups = [s.group for s in stand_in_samples]
    cloaked = np.array([s.cloaked for s in stand_in_samples])
    folds = grouped_folds(cloaked, groups, seed=0)
    tested = []
    for train, test in folds:
        assert not {groups[i] for i in train} & {groups[i] for i in test}
        assert cloaked[train].any() and not cloaked[train].all()
        tested += [groups[i] for i in test]
    assert sorted(tested) == sorted(groups)  # each photo tested exactly once
    with pytest.raises(ValueError, match="at least two"):
        grouped_folds(cloaked, ["01" if c else g for g, c in zip(groups, cloaked)], seed=0)


def test_a_visible_change_is_spotted_and_the_same_inputs_give_the_same_figures(stand_in_samples):
    first, run = detect_cloaks("stand-in", stand_in_samples, seed=3, as_saved=False)
    again, _ = detect_cloaks("stand-in", stand_in_samples, seed=3, as_saved=False)
    cloaked = np.array([s.cloaked for s in run.samples])
    tied = np.round(run.validated.scores, 0)  # whole numbers: many ties, each counting a half
    for scores in (run.validated.scores, tied):
        assert auc(scores, cloaked) == pytest.approx(roc_auc_score(cloaked, scores), abs=1e-12)  # scikit-learn's AUC

    assert first.to_json() == again.to_json()
    assert first.auc >= 0.9 and first.auc_ci95[0] <= first.auc <= first.auc_ci95[1]
    assert first.caught_at_1_in_20 >= 0.5  # with 15 clean photos, 1 in 20 allows none to be flagged
    assert (first.cloaked_photos, first.clean_photos, first.groups, first.folds) == (15, 15, 3, 3)
    assert "seed 3" in first.interval
    assert "tracker could spot these cloaks" in first.sentence()
    assert CloakDetection.from_json(first.to_json()) == first


def test_identical_photos_on_both_sides_give_an_auc_of_one_half(imm, tmp_path):
    """PNG copies of the clean photos carry the same pixels: there is nothing to find, whatever the format."""
    dataset, split = imm
    clean = [s for s in clean_training_samples(dataset, split) if s.group in PEOPLE[:2]]
    copies = []
    for sample in clean:
        copy = tmp_path / (sample.path.stem + "_copy.png")
        Image.open(sample.path).save(copy)
        copies.append(Sample(copy, True, sample.group))
    result, _ = detect_cloaks("copies", clean + copies, seed=0, as_saved=False)
    assert result.auc == pytest.approx(0.5)
    assert result.auc_ci95[0] <= 0.5 <= result.auc_ci95[1]


def test_real_fawkes_high_cloaks_are_spotted_with_both_sides_as_jpeg_90(imm):
    cloaks = SHARED / "datasets" / "fawkes_v0.3.1_cloaks" / "high"
    if not cloaks.is_dir():
        pytest.skip(f"needs the real Fawkes 0.3.1 cloaks at {cloaks}, which are not on this machine")
    dataset, split = imm
    real = [Sample(p, True, p.name[:2]) for p in sorted(cloaks.glob("*.png")) if p.name[:2] in PEOPLE]
    result, _ = detect_cloaks("0.3.1 high", clean_training_samples(dataset, split) + real, seed=0, as_saved=False)
    assert result.cloaked_photos == 15 and result.auc >= 0.9


def test_the_study_entry_measures_each_cloaked_condition_and_screening_keeps_the_leaked_photos(
        imm, stand_in_cloaks, tmp_path):
    dataset, split = imm
    specs = ["none", f"import:{stand_in_cloaks}@2"]
    prepared = {s: parse_condition(s, seed=0).prepare(dataset, split, tmp_path) for s in specs}
    stages = []
    job = Job(lambda progress: stages.append(progress.stage))

    entries = cloak_detection(tmp_path, dataset, split, [prepared[s].spec for s in specs], job)

    assert [e["condition"] for e in entries] == [specs[1]]  # nothing to spot in the clean condition
    assert entries[0]["cloaked_photos"] == 6 and entries[0]["auc"] >= 0.8  # 2 cloaked photos a person
    assert entries[0]["format"] == "jpeg90" and entries[0]["as_saved_auc"] is not None  # the warning beside it
    assert "Could a tracker spot the cloaks?" in stages
    run = condition_detection(tmp_path, dataset, split, prepared[specs[1]].spec)[1]
    Image.fromarray(np.full((200, 200, 3), 128, np.uint8)).save(tmp_path / "wall.png")
    assert not run.flagged(tmp_path / "wall.png", "01")  # no face to score: left to the tracker, which says why
    screening = screen_training(prepared[specs[1]], run)
    cloaked = {p.name for p in prepared[specs[1]].training["01"] if "cloaked" in p.name}
    assert screening.photos == 15 and screening.flagged >= 2
    assert all("cloaked" in p.name for files in screening.set_aside.values() for p in files)
    assert all(screening.kept[p] for p in PEOPLE)  # the leaked clean photos still carry each person
    assert cloaked and screening.sentence(yours=True).startswith(
        f"A tracker that screens photos for cloaks would have set aside {screening.flagged} of your 15 photos")


def test_a_conditions_figures_are_kept_in_the_study_and_measured_again_when_a_photo_changes(imm, stand_in_cloaks, tmp_path):
    """A resumed or re-reported study reads its detector's figures back instead of training it again, for exactly
    the photos and seed they were measured from."""
    dataset, split = imm
    cloaks = tmp_path / "cloaks"
    shutil.copytree(stand_in_cloaks, cloaks)
    condition = parse_condition(f"import:{cloaks}+jpeg:90", seed=0)  # a modified one: its folder is tidied on resume
    spec = condition.prepare(dataset, split, tmp_path / "study").spec
    stages = []
    job = Job(lambda progress: stages.append(progress.stage))
    (first,) = cloak_detection(tmp_path / "study", dataset, split, [spec], job)
    kept = tmp_path / "study" / spec.enrolled_dir / "cloak_detection.json"
    saved = json.loads(kept.read_text())
    assert saved["figures"] == first and first["auc"] >= 0.9
    saved["figures"]["auc"] = 0.123  # a mark: only a figure read back from the file can carry it
    kept.write_text(json.dumps(saved))
    condition.prepare(dataset, split, tmp_path / "study")  # as a resumed study does
    stages.clear()
    assert cloak_detection(tmp_path / "study", dataset, split, [spec], job)[0]["auc"] == 0.123
    assert "Could a tracker spot the cloaks?" not in stages  # not trained again
    assert cloak_detection(tmp_path / "study", dataset, split, [spec], job, seed=1)[0]["auc"] != 0.123  # another seed
    kept.write_text("{not json")
    assert cloak_detection(tmp_path / "study", dataset, split, [spec], job)[0]["auc"] >= 0.9  # a damaged file: measured again
    kept.write_text(json.dumps(saved))
    photo = sorted(cloaks.glob("*.png"))[0]
    Image.open(photo).filter(ImageFilter.BLUR).save(photo)
    condition.prepare(dataset, split, tmp_path / "study")  # the enrolled copy is made again from the changed cloak
    assert cloak_detection(tmp_path / "study", dataset, split, [spec], job)[0]["auc"] != 0.123  # a changed photo
