import numpy as np
import pytest
from PIL import Image

from core.datasets import open_dataset
from core.images import UnusableImage, load_rgb
from core.split import Split, make_split
from tests.photo_cases import copy_persons, rotated_with_exif, truncate


def test_imm_names_are_read_as_persons(fixture_imm):
    dataset = open_dataset(fixture_imm)
    assert dataset.layout == "imm"
    assert sorted(dataset.people()) == ["01", "02", "03"]
    assert all(len(photos) == 6 for photos in dataset.people().values())
    assert dataset.problems == []


def test_unusable_photos_are_listed_with_a_reason_and_the_rest_go_on(fixture_imm, tmp_path):
    folder = copy_persons(fixture_imm, tmp_path / "d", ("01", "02"))
    (folder / "01-7m.jpg").write_bytes(b"")
    truncate(folder / "02-3m.jpg")
    (folder / "02-7m.jpg").write_text("this is not a photo")
    (folder / "notes-about.jpg").write_bytes((folder / "01-1m.jpg").read_bytes())
    dataset = open_dataset(folder)
    reasons = {p.path.name: p.reason for p in dataset.problems}
    assert "empty" in reasons["01-7m.jpg"]
    assert "damaged" in reasons["02-3m.jpg"]
    assert "not an image" in reasons["02-7m.jpg"]
    assert "IMM pattern" in reasons["notes-about.jpg"]
    assert len(dataset.people()["01"]) == 6 and len(dataset.people()["02"]) == 5


def test_unsupported_colour_mode_is_refused_with_its_name(tmp_path):
    path = tmp_path / "lab.tif"
    Image.new("LAB", (16, 16)).save(path)
    with pytest.raises(UnusableImage, match="lab.tif: unsupported colour mode LAB"):
        load_rgb(path)


def test_exif_orientation_is_applied(fixture_imm, tmp_path):
    rotated = tmp_path / "01-1m.png"  # lossless, so the upright photo must match exactly
    rotated_with_exif(fixture_imm / "01-1m.jpg", rotated)
    assert np.asarray(Image.open(rotated)).shape == (640, 480, 3)
    assert np.array_equal(load_rgb(rotated), load_rgb(fixture_imm / "01-1m.jpg"))


def test_folder_per_person_and_csv_layouts(fixture_imm, tmp_path):
    by_folder = tmp_path / "folders"
    for photo in sorted(fixture_imm.glob("0[12]-*.jpg")):
        (by_folder / f"person {photo.name[:2]}").mkdir(parents=True, exist_ok=True)
        (by_folder / f"person {photo.name[:2]}" / photo.name).write_bytes(photo.read_bytes())
    dataset = open_dataset(by_folder)
    assert dataset.layout == "folders" and sorted(dataset.people()) == ["person 01", "person 02"]

    table = tmp_path / "csv"
    copy_persons(fixture_imm, table, ("03",))
    (table / "who.csv").write_text("file,person\n" + "".join(f"03-{i}m.jpg,Ann\n" for i in range(1, 7)) + "missing.jpg,Bob\n")
    dataset = open_dataset(table)
    assert dataset.layout == "csv" and list(dataset.people()) == ["Ann"]
    assert [p.reason for p in dataset.problems] == ["listed in who.csv but not found"]


def test_people_with_too_few_photos_are_reported_not_dropped_silently(fixture_imm, tmp_path):
    folder = copy_persons(fixture_imm, tmp_path / "d", ("01",))
    (folder / "09-1m.jpg").write_bytes((fixture_imm / "02-1m.jpg").read_bytes())
    dataset = open_dataset(folder)
    assert "09" in dataset.set_aside and "only 1 usable photo" in dataset.set_aside["09"]
    split = make_split(dataset, "imm")
    assert "09" in split.left_out and split.people == ["01"]


def test_imm_split_tests_photo_six(fixture_imm):
    split = make_split(open_dataset(fixture_imm), "imm")
    assert split.test == {p: [f"{p}-6m.jpg"] for p in ("01", "02", "03")}
    assert split.train["02"] == [f"02-{i}m.jpg" for i in range(1, 6)]
    assert split.role("02-6m.jpg") == "test" and split.role("02-1m.jpg") == "train"
    assert (split.training_photos, split.test_photos) == (15, 3)


def test_random_split_is_seeded_saved_and_reloaded(fixture_imm, tmp_path):
    dataset = open_dataset(fixture_imm)
    a, b, c = (make_split(dataset, "random:2", seed) for seed in (7, 7, 8))
    assert a.test == b.test and a.test != c.test
    assert all(len(files) == 2 for files in a.test.values()) and all(len(files) == 4 for files in a.train.values())
    a.save(tmp_path / "split.json")
    assert Split.load(tmp_path / "split.json") == a
    with pytest.raises(ValueError, match="random:N"):
        make_split(dataset, "random:x")
