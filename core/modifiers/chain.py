"""A condition followed by modifiers: the base condition prepares its training photos, then each modifier
changes them in turn, and the photos exactly as enrolled are written into the study folder
(``enrolled/<condition>/``, with ``enrolled.json`` saying where each came from and what was done to it).
The same inputs and seed always give the same bytes, so a resumed or repeated study enrols the same photos.

It needs no class of ``core.conditions`` (which imports this lazily): the prepared condition is copied
with ``dataclasses.replace``."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..images import UnusableImage, write_bytes_atomic, write_text_atomic
from ..jobs import NO_JOB, Job
from .photo import EnrolledPhoto
from .spelling import spelling

ENROLLED_FOLDER = "enrolled"
LISTING = "enrolled.json"
CLOAKED_MARK = "_cloaked"  # the name of a photo enrolled cloaked ends so, as cloaking tools name them


@dataclass
class Context:
    seed: int
    set_aside: dict[str, str] = field(default_factory=dict)  # person -> why


class ModifiedCondition:
    def __init__(self, base, steps: list, seed: int | None = None):
        self.base, self.steps, self.seed = base, list(steps), int(seed or 0)
        self.name = base.name + spelling(self.steps)

    def record(self) -> dict:
        """What the manifest says about this condition's transformations."""
        return {"base": self.base.name, "seed": self.seed, "steps": [step.record() for step in self.steps],
                "folder": f"{ENROLLED_FOLDER}/{folder_name(self.base.name, self.name)}"}

    def prepare(self, dataset, split, out_dir: Path, job: Job = NO_JOB):
        prepared = self.base.prepare(dataset, split, out_dir, job)
        by_person = _photos(prepared, dataset, split)
        context, counts = Context(self.seed), [Counter() for _ in self.steps]
        stage = f"Preparing the enrolled photos ({self.name})"
        folder = Path(out_dir) / ENROLLED_FOLDER / folder_name(self.base.name, self.name)
        training: dict[str, list[Path]] = {}
        listing: list[dict] = []
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
                training[person] = [_write(photo, folder, listing) for photo in photos]
        job.step(stage, len(by_person), len(by_person))
        _tidy(folder, {f for files in training.values() for f in files})
        write_text_atomic(folder / LISTING, json.dumps({"condition": self.name, "seed": self.seed,
                                                        "photos": listing}, indent=2) + "\n")
        notes = list(prepared.notes) + [step.note(count) for step, count in zip(self.steps, counts)]
        notes.append(f"The photos as enrolled are in {ENROLLED_FOLDER}/{folder.name}/ (listed in {LISTING}).")
        return dataclasses.replace(prepared, name=self.name, training=training,
                                   set_aside={**prepared.set_aside, **context.set_aside}, notes=notes)


def folder_name(base: str, name: str) -> str:
    """A safe folder name: the condition in short (an imported folder by its own name), and a hash of the
    full spelling so that two conditions never share one."""
    short = f"import:{Path(base.split(':', 1)[1]).name}" if base.startswith("import:") else base
    readable = re.sub(r"[^A-Za-z0-9.@%+]+", "-", short + name[len(base):]).strip("-")[:80]
    return f"{readable}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _photos(prepared, dataset, split) -> dict[str, list[EnrolledPhoto]]:
    """Each prepared file paired with the split's training photo it stands for, by person."""
    cloaked = prepared.name != "none"
    by_person = {}
    for person in sorted(prepared.training):
        files = [Path(f) for f in prepared.training[person]]
        known = getattr(prepared, "originals", None) or {}
        originals = ([known[f] for f in files] if all(f in known for f in files)  # paired by core.pairing
                     else pair_originals(files, list(split.train.get(person, []))))
        by_person[person] = [EnrolledPhoto(person, o, dataset.root / o, f, cloaked) for f, o in zip(files, originals)]
    return by_person


def pair_originals(files: list[Path], originals: list[str]) -> list[str]:
    """The training photo each file stands for: the one whose name the file's name starts with, the
    longest such (``10_cloaked`` is ``10``'s, not ``1``'s); the one in the same place where names tell nothing."""
    paired: list[str] = []
    for i, file in enumerate(files):
        named = [o for o in originals if file.stem.startswith(Path(o).stem) and o not in paired]
        best = max(named, key=lambda o: len(Path(o).stem), default=None)
        if best is None:
            best = originals[i] if i < len(originals) else file.name
        paired.append(best)
    return paired


def _write(photo: EnrolledPhoto, folder: Path, listing: list[dict]) -> Path:
    data, suffix = photo.final_bytes()
    relative = Path(photo.original).with_suffix("").as_posix() + (CLOAKED_MARK if photo.cloaked else "") + suffix
    target = folder / relative
    if not (target.is_file() and target.read_bytes() == data):  # a resumed study finds them already there
        write_bytes_atomic(target, data)
    listing.append({"person": photo.person, "original": photo.original, "file": relative, "cloaked": photo.cloaked,
                    "made_from": str(photo.source), "steps": photo.steps,
                    "sha256": hashlib.sha256(data).hexdigest()})
    photo.release()
    return target


def _tidy(folder: Path, keep: set[Path]) -> None:
    """Remove photos an earlier run left in this condition's folder that are not enrolled now."""
    if folder.is_dir():
        for old in folder.rglob("*"):
            if old.is_file() and old not in keep and old.name != LISTING:
                old.unlink()
