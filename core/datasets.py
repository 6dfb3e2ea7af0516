"""Open a folder of face photos and work out who is who.

Three layouts are understood, tried in this order:
  * a CSV file (the folder's only ``*.csv``, or the path itself) with columns ``file,person``;
  * one sub-folder per person;
  * IMM names ``NN-Pg.jpg`` (person NN, photo P, g = m/f) directly in the folder.
Every photo that cannot be used is listed with a one-line reason; the rest go on.
"""
from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .images import IMAGE_SUFFIXES, UnusableImage, load_rgb
from .jobs import NO_JOB, Job

IMM_NAME = re.compile(r"^(?P<person>\d{2})-(?P<photo>\d+)(?P<sex>[mf])$", re.IGNORECASE)
MIN_PHOTOS_PER_PERSON = 2  # one to enrol and one to test


@dataclass(frozen=True)
class Photo:
    path: Path
    person: str
    number: int  # the photo's number within its person: IMM's P, else its place in name order

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Problem:
    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path.name}: {self.reason}"


@dataclass
class Dataset:
    root: Path
    layout: str  # "imm", "folders" or "csv"
    photos: list[Photo]
    problems: list[Problem] = field(default_factory=list)
    # people left out of the study, with why (too few usable photos)
    set_aside: dict[str, str] = field(default_factory=dict)

    def people(self) -> dict[str, list[Photo]]:
        out: dict[str, list[Photo]] = {}
        for photo in self.photos:
            if photo.person not in self.set_aside:
                out.setdefault(photo.person, []).append(photo)
        return out

    def photo(self, relative: str) -> Photo:
        for photo in self.photos:
            if self.relative(photo.path) == relative:
                return photo
        raise KeyError(relative)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def fingerprint(self) -> str:
        """Changes when any photo's name, person or bytes change."""
        digest = hashlib.sha256()
        for photo in sorted(self.photos, key=lambda p: p.path):
            digest.update(f"{self.relative(photo.path)}\0{photo.person}\0".encode())
            digest.update(hashlib.sha256(photo.path.read_bytes()).digest())
        return digest.hexdigest()


def open_dataset(path: Path | str, job: Job = NO_JOB, check_images: bool = True) -> Dataset:
    """Find the photos under ``path``, decide who is who, and set aside what cannot be used.

    With ``check_images`` every photo is decoded once so that damaged files are found now, not in the
    middle of a study.
    """
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise FileNotFoundError(f"The dataset folder {path} does not exist.")
    if path.is_file() and path.suffix.lower() == ".csv":
        root, layout, labelled, problems = path.parent, "csv", *_from_csv(path)
    else:
        csvs = sorted(path.glob("*.csv"))
        if len(csvs) == 1:
            root, layout, (labelled, problems) = path, "csv", _from_csv(csvs[0])
        elif any(p.is_dir() and _images_in(p) for p in path.iterdir()):
            root, layout, (labelled, problems) = path, "folders", _from_folders(path)
        else:
            root, layout, (labelled, problems) = path, "imm", _from_imm_names(path)

    photos: list[Photo] = []
    for i, photo in enumerate(labelled):
        job.step("Checking photos", i, len(labelled), photo.name)
        if check_images:
            try:
                load_rgb(photo.path)
            except UnusableImage as exc:
                problems.append(Problem(photo.path, exc.reason))
                continue
        photos.append(photo)
    job.step("Checking photos", len(labelled), len(labelled))

    counts: dict[str, int] = {}
    for photo in photos:
        counts[photo.person] = counts.get(photo.person, 0) + 1
    set_aside = {
        person: f"only {n} usable photo{'s' if n != 1 else ''}; at least {MIN_PHOTOS_PER_PERSON} are needed"
        for person, n in sorted(counts.items()) if n < MIN_PHOTOS_PER_PERSON
    }
    if not photos:
        raise ValueError(f"No usable face photos were found in {path}.")
    return Dataset(root, layout, photos, problems, set_aside)


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def _numbered(person_files: dict[str, list[Path]]) -> list[Photo]:
    return [Photo(p, person, i + 1) for person, files in sorted(person_files.items()) for i, p in enumerate(sorted(files))]


def _from_imm_names(root: Path) -> tuple[list[Photo], list[Problem]]:
    photos, problems = [], []
    for p in _images_in(root):
        match = IMM_NAME.match(p.stem)
        if match is None:
            problems.append(Problem(p, "the name does not follow the IMM pattern NN-Pg (e.g. 01-6m.jpg), so its person is unknown"))
        else:
            photos.append(Photo(p, match["person"], int(match["photo"])))
    return photos, problems


def _from_folders(root: Path) -> tuple[list[Photo], list[Problem]]:
    return _numbered({d.name: _images_in(d) for d in sorted(root.iterdir()) if d.is_dir() and _images_in(d)}), []


def _from_csv(csv_path: Path) -> tuple[list[Photo], list[Problem]]:
    person_files: dict[str, list[Path]] = {}
    problems = []
    with csv_path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        fields = {name.strip().lower(): name for name in reader.fieldnames or []}
        if "file" not in fields or "person" not in fields:
            raise ValueError(f"{csv_path.name} needs the columns 'file' and 'person'.")
        for row in reader:
            file, person = row[fields["file"]].strip(), row[fields["person"]].strip()
            if not file or not person:
                continue
            target = (csv_path.parent / file).resolve()
            if not target.is_file():
                problems.append(Problem(target, f"listed in {csv_path.name} but not found"))
            else:
                person_files.setdefault(person, []).append(target)
    return _numbered(person_files), problems
