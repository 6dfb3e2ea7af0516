"""Cloaks pair with their own photos only: by the photo's path in the dataset, never by a stem two people share."""
import shutil
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from core.cloaking.compare import compare_imported
from core.cloaking.condition import cloaking_condition
from core.conditions.build import parse_condition
from core.datasets import open_dataset
from core.images import load_rgb
from core.jobs import Job
from core.split import make_split
from tests.photo_cases import people_in_folders
from tests.conftest import REPO

FAKE_FAWKES = REPO / "tests" / "fake_fawkes.py"
PEOPLE = {"01": "anna", "02": "bob", "03": "carl"}


def _clashing_dataset(fixture_imm, tmp_path):
    dataset = open_dataset(people_in_folders(fixture_imm, tmp_path / "people", PEOPLE), check_images=False)
    return dataset, make_split(dataset, "imm")


def _mirrored_cloaks(dataset, folder: Path) -> Path:
    """"Cloaks" that are the training photos themselves, in a folder per person as the dataset has."""
    for photo in dataset.photos:
        target = folder / photo.person / f"{photo.path.stem}_min_cloaked.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        Image.open(photo.path).save(target)
    return folder


def _same_pixels(a: Path, b: Path) -> bool:
    return float(np.abs(load_rgb(a).astype(int) - load_rgb(b).astype(int)).mean()) < 2  # JPEG → PNG, fake's faint grid


def test_mirrored_sub_folders_pair_each_person_with_their_own_cloaks(fixture_imm, tmp_path):
    dataset, split = _clashing_dataset(fixture_imm, tmp_path)
    cloaks = _mirrored_cloaks(dataset, tmp_path / "cloaks")
    prepared = parse_condition(f"import:{cloaks}").prepare(dataset, split, tmp_path / "study")
    assert sorted(prepared.training) == ["anna", "bob", "carl"] and not prepared.set_aside
    for person, files in prepared.training.items():
        assert files == [cloaks / person / f"{i}_min_cloaked.png" for i in range(1, 6)]
    assert prepared.originals[cloaks / "bob" / "1_min_cloaked.png"] == "bob/1.jpg"  # what later steps (modifiers) use
    assert [n for n in prepared.notes] == [f"{p}/6_min_cloaked.png: matches no training photo of this split" for p in ("anna", "bob", "carl")]

    reports = compare_imported(cloaks, dataset, split)
    assert len(reports) == 15
    assert all(r.output.parent.name == Path(r.source).parent.name for r in reports)


def test_a_flat_folder_never_guesses_a_stem_that_several_people_share(fixture_imm, tmp_path):
    dataset, split = _clashing_dataset(fixture_imm, tmp_path)
    flat = tmp_path / "flat"
    flat.mkdir()
    shutil.copy(dataset.root / "anna" / "1.jpg", flat / "1_min_cloaked.png")
    prepared = parse_condition(f"import:{flat}").prepare(dataset, split, tmp_path / "study")
    assert prepared.training == {}
    assert prepared.set_aside == {p: "no cloaked training photo" for p in ("anna", "bob", "carl")}
    assert prepared.notes == ["1_min_cloaked.png: could be the cloak of anna/1.jpg, bob/1.jpg or carl/1.jpg, so it is not used "
                              "(put the cloaks in one sub-folder per person, as in the dataset)"]
    assert compare_imported(flat, dataset, split) == []


def test_a_flat_folder_pairs_by_stem_where_the_stem_is_unique(fixture_imm, tmp_path):
    dataset = open_dataset(fixture_imm, check_images=False)
    split = make_split(dataset, "imm")
    flat = tmp_path / "flat"
    (flat / "extra").mkdir(parents=True)
    for person in ("01", "02"):
        for i in range(1, 6):
            shutil.copy(fixture_imm / f"{person}-{i}m.jpg", flat / f"{person}-{i}m_cloaked.jpg")
    shutil.copy(fixture_imm / "03-1m.jpg", flat / "03-1m_min_cloaked.png")
    shutil.copy(fixture_imm / "03-1m.jpg", flat / "extra" / "03-1m_high_cloaked.png")  # two files claim 03-1m
    prepared = parse_condition(f"import:{flat}").prepare(dataset, split, tmp_path / "study")
    assert prepared.training["01"] == [flat / f"01-{i}m_cloaked.jpg" for i in range(1, 6)]
    assert prepared.set_aside == {"03": "no cloaked training photo"}
    assert prepared.notes == ["03-1m.jpg: 2 files could be its cloak (03-1m_min_cloaked.png and extra/03-1m_high_cloaked.png), "
                              "so none is used"]


def test_the_original_program_runner_keeps_same_named_photos_apart(fixture_imm, tmp_path):
    dataset, split = _clashing_dataset(fixture_imm, tmp_path)
    condition = cloaking_condition("external:min", external_command=f"{sys.executable} {FAKE_FAWKES}")
    prepared = condition.prepare(dataset, split, tmp_path / "study")
    assert sorted(prepared.training) == ["anna", "bob", "carl"] and not prepared.set_aside
    for person, files in prepared.training.items():
        assert [f.relative_to(f.parents[1]).as_posix() for f in files] == [f"{person}/{i}_min_cloaked.png" for i in range(1, 6)]
        for i, cloak in enumerate(files, start=1):
            assert _same_pixels(cloak, dataset.root / person / f"{i}.jpg")  # its own photo, not another's 1.jpg
    said = []
    again = condition.prepare(dataset, split, tmp_path / "study", Job(lambda p: said.append(p.message)))
    assert again.training == prepared.training and again.notes == prepared.notes
    assert any("reused the original program's cloaks" in m for m in said)
