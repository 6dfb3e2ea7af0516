"""A bigger crowd: other people enrolled in the gallery beside the study's own, all their photos clean,
never tested (``--distractors DIR``). A recogniser then has more wrong people to confuse a cloaked
person with, as in the original authors' evaluation with hundreds to thousands of others.

Names that are also people of the study are refused: enrolling someone twice under one name would
make their cloaked photos and clean photos one person."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .datasets import Dataset, open_dataset
from .images import UnusableImage
from .jobs import NO_JOB, Job


@dataclass
class Distractors:
    dataset: Dataset

    @property
    def people(self) -> dict[str, list[Path]]:
        people: dict[str, list[Path]] = {}
        for photo in self.dataset.photos:  # one photo is enough here: a distractor is never tested
            people.setdefault(photo.person, []).append(photo.path)
        return dict(sorted(people.items()))

    @property
    def photos(self) -> int:
        return sum(map(len, self.people.values()))

    def record(self) -> dict:
        """What the manifest says about them."""
        return {"folder": str(self.dataset.root), "layout": self.dataset.layout, "people": len(self.people),
                "photos": self.photos, "fingerprint_sha256": self.dataset.fingerprint(),
                "unusable_photos": [str(p) for p in self.dataset.problems]}


def open_distractors(folder: Path | str, study: Dataset, job: Job = NO_JOB) -> Distractors:
    """The people of ``folder``; refuses, naming them, those who share a name with the study's people."""
    folder = Path(folder).expanduser().resolve()
    if folder == study.root:
        raise ValueError(f"The other people for the gallery must come from another folder than the study's own ({folder}).")
    dataset = open_dataset(folder, job)
    clash = sorted({p.person for p in dataset.photos} & {p.person for p in study.photos})
    if clash:
        shown = ", ".join(clash[:10]) + (f" and {len(clash) - 10} more" if len(clash) > 10 else "")
        raise ValueError(f"{len(clash)} of the other people in {folder} have the same names as people of the study "
                         f"({shown}); rename them or choose another folder.")
    return Distractors(dataset)


def enrol_each(recognizer, photos: list[tuple[str, Path]], stage: str, job: Job = NO_JOB,
               skipped=None, enrol=None) -> set[str]:
    """Enrol (person, photo) pairs one by one (``enrol``, default ``recognizer.enrol``) with progress under
    ``stage``; a photo that cannot be used is handed to ``skipped(exc)`` (default: a note) and the rest go on.
    Returns the people who got in."""
    enrol = enrol or recognizer.enrol
    enrolled: set[str] = set()
    for i, (person, photo) in enumerate(photos):
        job.step(stage, i, len(photos), photo.name)
        try:
            enrol(person, photo)
            enrolled.add(person)
        except UnusableImage as exc:
            (skipped or (lambda e: job.note(f"Skipped photo {e}")))(exc)
    job.step(stage, len(photos), len(photos))
    return enrolled


def enrol_distractors(recognizer, people: dict[str, list[Path]], stage: str, job: Job = NO_JOB) -> int:
    """Enrol every distractor photo that has a usable face, as the crowd (``Recognizer.enrol_crowd``); returns how
    many people got into the gallery."""
    photos = [(person, photo) for person, own in people.items() for photo in own]
    if not photos:
        return 0
    return len(enrol_each(recognizer, photos, f"Enrolling the other people ({stage})", job,
                          lambda exc: job.note(f"Skipped distractor photo {exc}"),
                          getattr(recognizer, "enrol_crowd", None)))
