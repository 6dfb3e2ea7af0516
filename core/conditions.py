"""Conditions: which training photos are enrolled.

* ``none``: the clean training photos;
* ``import:DIR``: cloaked versions made by another tool, matched to the originals by file stem
  (``01-1m_min_cloaked.png`` → ``01-1m.jpg``);
* ``fawkes:VERSION:MODE``: cloaked by our own engine (``core.cloaking``);
* ``external:MODE``: cloaked by the original Fawkes program, where the user has it;
* any of these followed by modifiers (``+jpeg:Q``, ``+resize:S``, ``@K``; ``core.modifiers``).

Each condition turns the split's training photos into a ``PreparedCondition``. A person whose
training photos are not all cloaked is set aside: counting them as protected or unprotected would
be wrong either way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .datasets import Dataset
from .images import IMAGE_SUFFIXES
from .jobs import NO_JOB, Job
from .modifiers.spelling import split_modifiers
from .split import Split

CLOAKED_SUFFIX = re.compile(r"_(?:(?:min|low|mid|high|ultra|custom)_)?cloaked$", re.IGNORECASE)


@dataclass
class PreparedCondition:
    name: str
    training: dict[str, list[Path]]  # person -> photos to enrol
    set_aside: dict[str, str] = field(default_factory=dict)  # person -> why not counted
    notes: list[str] = field(default_factory=list)  # one line each: unmatched files, photos with no face, ...
    # networks the cloaks were optimised against; None when unknown (made by another tool)
    extractors: list[str] | None = field(default_factory=list)

    def judged_as(self, recognizer: str) -> str:
        """"clean", "white-box" (judged by a network the cloak was made against) or "black-box"."""
        if self.name.split("+", 1)[0] == "none":  # none, or none under an upload modifier
            return "clean"
        return "white-box" if self.extractors and recognizer in self.extractors else "black-box"


class Condition:
    name: str

    def prepare(self, dataset: Dataset, split: Split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        raise NotImplementedError


class Clean(Condition):
    name = "none"

    def prepare(self, dataset, split, out_dir, job=NO_JOB):
        return PreparedCondition(self.name, {p: [dataset.root / f for f in files] for p, files in split.train.items()})


class Imported(Condition):
    def __init__(self, folder: Path | str):
        self.folder = Path(folder).expanduser()
        self.name = f"import:{self.folder}"

    def prepare(self, dataset, split, out_dir, job=NO_JOB):
        return match_cloaks(self.name, self.files(), dataset, split)

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            raise FileNotFoundError(f"The folder of cloaked photos {self.folder} does not exist.")
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def original_stem(cloaked: Path) -> str:
    """``01-1m_min_cloaked.png`` → ``01-1m``; a name without the suffix is kept as it is."""
    return CLOAKED_SUFFIX.sub("", cloaked.stem)


def cloaks_by_stem(files: list[Path]) -> dict[str, Path]:
    """Original stem -> its cloak (the first, where a folder holds several)."""
    by_stem: dict[str, Path] = {}
    for f in files:
        by_stem.setdefault(original_stem(f), f)
    return by_stem


def match_cloaks(name: str, files: list[Path], dataset: Dataset, split: Split, extractors: list[str] | None = None) -> PreparedCondition:
    """Pair cloaked files with the split's training photos by stem; report what does not pair up."""
    by_stem = cloaks_by_stem(files)
    training, set_aside, notes, used = {}, {}, [], set()
    for person, relatives in split.train.items():
        stems = [Path(r).stem for r in relatives]
        found = [by_stem[s] for s in stems if s in by_stem]
        used.update(found)
        if len(found) == len(stems):
            training[person] = found
        elif found:
            set_aside[person] = f"only {len(found)} of {len(stems)} training photos are cloaked"
        else:
            set_aside[person] = "no cloaked training photo"
    for f in files:
        if f not in used:
            notes.append(f"{f.name}: matches no training photo of this split")
    return PreparedCondition(name, training, set_aside, notes, extractors)


def parse_condition(spec: str, **options) -> Condition:
    """A condition from its command-line spelling; ``options`` go to our cloaking engine (and the seed
    to the ``@K`` modifier)."""
    base, steps = split_modifiers(spec)
    if steps:
        from .modifiers.chain import ModifiedCondition

        return ModifiedCondition(parse_condition(base, **options), steps, seed=options.get("seed"))
    if spec == "none":
        return Clean()
    if spec.startswith("import:"):
        return Imported(spec.split(":", 1)[1])
    if spec.startswith(("fawkes:", "external:")):
        from .cloaking.condition import cloaking_condition

        return cloaking_condition(spec, **options)
    raise ValueError(f"Unknown condition '{spec}': use none, import:FOLDER, fawkes:VERSION:MODE or external:MODE.")
