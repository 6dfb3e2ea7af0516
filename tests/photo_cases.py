"""Odd and broken photos made from the real fixture photos, for bad-input tests."""
from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image


def copy_persons(src: Path, dst: Path, persons: tuple[str, ...]) -> Path:
    dst.mkdir(parents=True, exist_ok=True)
    for photo in sorted(src.glob("*.jpg")):
        if photo.name[:2] in persons:
            shutil.copy(photo, dst / photo.name)
    return dst


def truncate(photo: Path, keep: float = 0.4) -> None:
    data = photo.read_bytes()
    photo.write_bytes(data[: int(len(data) * keep)])


def background_only(src: Path, dst: Path) -> None:
    """A real IMM photo cropped to its top-left corner: real pixels, no face."""
    with Image.open(src) as img:
        img.crop((0, 0, 160, 120)).save(dst)


def rotated_with_exif(src: Path, dst: Path) -> None:
    """Store the photo turned on its side with EXIF orientation 6, as a phone camera does."""
    with Image.open(src) as img:
        exif = Image.Exif()
        exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
        img.transpose(Image.Transpose.ROTATE_90).save(dst, exif=exif.tobytes())


def people_in_folders(src: Path, dst: Path, names: dict[str, str]) -> Path:
    """The fixture's IMM persons as a folder per person whose photos are all called 1.jpg … 6.jpg, so that
    every person has a photo with the same name as every other person's (``names``: IMM person -> folder)."""
    for person, folder in names.items():
        (dst / folder).mkdir(parents=True, exist_ok=True)
        for i in range(1, 7):
            shutil.copy(src / f"{person}-{i}m.jpg", dst / folder / f"{i}.jpg")
    return dst


def grid_cloaks(src: Path, dst: Path, people: tuple[str, ...] = ("01", "02", "03")) -> Path:
    """Stand-in cloaks of photos 1-5 of ``people``, named as Fawkes names them: a visible, deterministic grid of
    brighter pixels, saved as PNG, so a cloak and its original are told apart by their pixels."""
    import numpy as np

    from core.images import load_rgb

    dst.mkdir(parents=True, exist_ok=True)
    for person in people:
        for i in range(1, 6):
            rgb = load_rgb(src / f"{person}-{i}m.jpg").astype(np.int16)
            rgb[::7, ::7] += 40
            Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(dst / f"{person}-{i}m_high_cloaked.png",
                                                                      compress_level=1)
    return dst


def me_and_a_crowd(fixture: Path, sample: Path, folder: Path, name: str = "IMG_{i}.jpg") -> tuple[Path, Path]:
    """For "Check my own photos": person 03's six fixture photos as "my photos" (named like a phone's), and the
    bundled sample's persons 01, 02, 04 and 05 as the crowd."""
    mine, crowd = folder / "my photos", folder / "crowd"
    mine.mkdir()
    for i in range(1, 7):
        shutil.copy(fixture / f"03-{i}m.jpg", mine / name.format(i=i))
    crowd.mkdir()
    for person in ("01", "02", "04", "05"):
        for photo in sample.glob(f"{person}-*.jpg"):
            shutil.copy(photo, crowd)
    return mine, crowd
