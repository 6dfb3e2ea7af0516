"""A condition followed by modifiers: the base condition prepares its training photos, then each modifier
changes them in turn, and the photos exactly as enrolled are written into the study folder
(``enrolled/<condition>/``, listed with where each came from and what was done to it).
The same inputs and seed always give the same bytes, so a resumed or repeated study enrols the same photos."""
from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from pathlib import Path

from ..atomic import write_bytes_atomic
from ..images import UnusableImage
from ..jobs import NO_JOB, Job
from ..modifiers import Context
from ..modifiers.photo import EnrolledPhoto
from ..pairing import pair_cloaks
from .prepared import Condition, PreparedCondition
from .spec import DETECTION_FIGURES, LISTING, ConditionSpec

CLOAKED_MARK = "_cloaked"  # the name of a photo enrolled cloaked ends so, as cloaking tools name them


class ModifiedCondition(Condition):
    def __init__(self, base: Condition, spec: ConditionSpec, seed: int | None = None):
        self.base, self.spec, self.seed = base, spec, int(seed or 0)

    @property
    def steps(self) -> tuple:
        return self.spec.modifiers

    def record(self) -> dict:
        """What the manifest says about this condition's transformations."""
        return {"base": self.base.name, "seed": self.seed, "steps": [step.record() for step in self.steps],
                "folder": self.spec.enrolled_dir.as_posix()}

    def listing_facts(self) -> dict:
        return {"seed": self.seed}

    def make(self, dataset, split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        prepared = self.base.make(dataset, split, out_dir, job)
        by_person = _photos(prepared, dataset, split, self.spec.cloaked)
        context, counts = Context(self.seed), [Counter() for _ in self.steps]
        stage = f"Preparing the enrolled photos ({self.name})"
        folder = Path(out_dir) / self.spec.enrolled_dir
        training: dict[str, list[Path]] = {}
        originals: dict[Path, str] = {}
        details: dict[Path, dict] = {}
        for i, (person, photos) in enumerate(by_person.items()):  # a person at a time: few photos in memory
            job.step(stage, i, len(by_person), person)
            try:
                for step, count in zip(self.steps, counts):
                    count.update(step.apply(photos, context))
                    if person in context.set_aside:
                        break
            except UnusableImage as exc:
                context.set_aside[person] = f"{exc} (so it cannot be {step.words()})"
            if person not in context.set_aside:
                training[person] = [_write(photo, folder, originals, details) for photo in photos]
        job.step(stage, len(by_person), len(by_person))
        _tidy(folder, set(originals))
        notes = list(prepared.notes) + [step.note(count) for step, count in zip(self.steps, counts)]
        notes.append(f"The photos as enrolled are in {self.spec.enrolled_dir.as_posix()}/ (listed in {LISTING}).")
        return dataclasses.replace(prepared, name=self.name, training=training, originals=originals, folder=folder,
                                   details=details, set_aside={**prepared.set_aside, **context.set_aside}, notes=notes)


def _photos(prepared: PreparedCondition, dataset, split, cloaked: bool) -> dict[str, list[EnrolledPhoto]]:
    """Each prepared file with the split's training photo it stands for, by person: as the condition paired
    them, else by the one pairing rule (``core.pairing``)."""
    everyone = [dataset.relative(p.path) for p in dataset.photos]
    by_person = {}
    for person in sorted(prepared.training):
        files = [Path(f) for f in prepared.training[person]]
        unknown = [f for f in files if f not in prepared.originals]
        paired = pair_cloaks(unknown, prepared.folder, everyone, set(split.train.get(person, []))).cloak_of if unknown else {}
        original_of = {**prepared.originals, **{file: photo for photo, file in paired.items()}}
        by_person[person] = [EnrolledPhoto(person, original_of.get(f, f.name), dataset.root / original_of.get(f, f.name),
                                           f, cloaked) for f in files]
    return by_person


def _write(photo: EnrolledPhoto, folder: Path, originals: dict[Path, str], details: dict[Path, dict]) -> Path:
    data, suffix = photo.final_bytes()
    relative = Path(photo.original).with_suffix("").as_posix() + (CLOAKED_MARK if photo.cloaked else "") + suffix
    target = folder / relative
    if not (target.is_file() and target.read_bytes() == data):  # a resumed study finds them already there
        write_bytes_atomic(target, data)
    originals[target] = photo.original
    details[target] = {"cloaked": photo.cloaked, "made_from": str(photo.source), "steps": photo.steps,
                       "sha256": hashlib.sha256(data).hexdigest()}
    photo.release()
    return target


def _tidy(folder: Path, keep: set[Path]) -> None:
    """Remove photos an earlier run left in this condition's folder that are not enrolled now (the listing and
    the detector's figures stay: they are checked against the photos when read)."""
    if folder.is_dir():
        for old in folder.rglob("*"):
            if old.is_file() and old not in keep and old.name not in (LISTING, DETECTION_FIGURES):
                old.unlink()
