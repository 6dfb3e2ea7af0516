"""Your photos for "Check my own photos": which show a face (and how many), the seeded split, and the
crowds on offer."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from ..datasets import Problem, open_dataset
from ..images import IMAGE_SUFFIXES, UnusableImage, load_rgb
from ..jobs import NO_JOB, Job

MIN_PHOTOS = 3
TWO_TESTS_FROM = 6  # with this many usable photos or more, two are kept clean to test with


@dataclass
class MyPhotos:
    folder: Path
    usable: list[Path]
    faces: dict[str, int]  # file name -> faces found
    problems: list[Problem] = field(default_factory=list)

    def notes(self) -> list[str]:
        return [f"{name} shows {n} faces: the largest one is taken to be you." for name, n in self.faces.items() if n > 1]


def find_my_photos(folder: Path | str, job: Job = NO_JOB) -> MyPhotos:
    """The photos directly in ``folder`` that show at least one face; the others with a reason."""
    from ..faces import detect_faces

    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"The folder {folder} does not exist.")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and "_cloaked" not in p.stem)
    usable, faces, problems = [], {}, []
    for i, path in enumerate(files):
        job.step("Looking at your photos", i, len(files), path.name)
        try:
            found = len(detect_faces(load_rgb(path)))
        except UnusableImage as exc:
            problems.append(Problem(path, exc.reason))
            continue
        if not found:
            problems.append(Problem(path, "no face found"))
            continue
        usable.append(path)
        faces[path.name] = found
    job.step("Looking at your photos", len(files), len(files))
    return MyPhotos(folder, usable, faces, problems)


def describe_crowd(folder: Path | str) -> str:
    """"imm_face_db — 40 people, 240 photos" (photos listed, not decoded: quick)."""
    dataset = open_dataset(folder, check_images=False)
    return f"{dataset.root.name} — {len(dataset.people())} people, {len(dataset.photos)} photos"


def crowd_choices(data_dir: Path | str) -> list[tuple[str, Path]]:
    """The crowds on offer, best first: the full IMM database where it was downloaded, the bundled sample."""
    from ..download import IMM_FOLDER, DownloadError, photo_folder
    from ..sample import SAMPLE

    choices = []
    downloaded = Path(data_dir) / "datasets" / IMM_FOLDER
    if downloaded.is_dir():
        try:
            folder = photo_folder(downloaded)
            choices.append((f"The full IMM database ({describe_crowd(folder).split(' — ')[1]})", folder))
        except (OSError, ValueError, DownloadError):
            pass  # an unfinished download: not offered
    choices.append((f"The bundled sample ({describe_crowd(SAMPLE).split(' — ')[1]})", SAMPLE))
    return choices


def split_my_photos(photos: list[Path], seed: int) -> tuple[list[Path], list[Path]]:
    """(training, test): one test photo, two with six or more, chosen with the seed."""
    photos = sorted(photos, key=lambda p: p.name)
    n_test = 2 if len(photos) >= TWO_TESTS_FROM else 1
    test = sorted(random.Random(seed).sample(photos, n_test), key=lambda p: p.name)
    return [p for p in photos if p not in test], test
