"""Conditions: which training photos are enrolled.

* ``none``: the clean training photos;
* ``import:DIR``: cloaked versions made by another tool, matched to the originals by their path in the
  dataset (``anna/1_min_cloaked.png`` → ``anna/1.jpg``; a flat folder by a stem no two photos share,
  see ``core.pairing``);
* ``fawkes:VERSION:MODE``: cloaked by our own engine (``core.cloaking``);
* ``external:MODE``: cloaked by the original Fawkes program, where the user has it;
* any of these followed by modifiers (``+jpeg:Q``, ``+resize:S``, ``@K``; ``core.modifiers``).

Each condition turns the split's training photos into a ``PreparedCondition``. A person whose
training photos are not all cloaked is set aside: counting them as protected or unprotected would
be wrong either way.
"""
from __future__ import annotations

from pathlib import Path

from .images import IMAGE_SUFFIXES
from .jobs import NO_JOB
from .modifiers.spelling import split_modifiers
from .pairing import CLOAKED_SUFFIX, match_cloaks, original_stem, pair_cloaks  # noqa: F401 (the one pairing rule)
from .prepared import Condition, PreparedCondition  # noqa: F401 (re-exported)


class Clean(Condition):
    name = "none"

    def prepare(self, dataset, split, out_dir, job=NO_JOB):
        return PreparedCondition(self.name, {p: [dataset.root / f for f in files] for p, files in split.train.items()},
                                 originals={dataset.root / f: f for files in split.train.values() for f in files})


class Imported(Condition):
    def __init__(self, folder: Path | str):
        self.folder = Path(folder).expanduser()
        self.name = f"import:{self.folder}"

    def prepare(self, dataset, split, out_dir, job=NO_JOB):
        return match_cloaks(self.name, self.files(), dataset, split, folder=self.folder)

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            raise FileNotFoundError(f"The folder of cloaked photos {self.folder} does not exist.")
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


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
