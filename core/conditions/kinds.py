"""The conditions whose photos are already on disk: ``none`` (the clean training photos) and ``import:DIR``
(cloaked versions made by another tool, matched to the originals by ``core.pairing``: ``anna/1_min_cloaked.png``
→ ``anna/1.jpg``; a flat folder by a stem no two photos share). A person whose training photos are not all
cloaked is set aside: counting them as protected or unprotected would be wrong either way."""
from __future__ import annotations

from pathlib import Path

from ..images import IMAGE_SUFFIXES
from ..jobs import NO_JOB
from ..pairing import cloak_name, pair_cloaks
from .prepared import Condition, PreparedCondition
from .spec import ConditionSpec


class Clean(Condition):
    spec = ConditionSpec("none")

    def make(self, dataset, split, out_dir, job=NO_JOB):
        originals = {dataset.root / f: f for files in split.train.values() for f in files}
        return PreparedCondition(self.name, {p: [dataset.root / f for f in files] for p, files in split.train.items()},
                                 originals=originals, folder=dataset.root)


class Imported(Condition):
    def __init__(self, folder: Path | str):
        self.spec = ConditionSpec("import", str(Path(folder).expanduser()))
        self.folder = self.spec.folder

    def make(self, dataset, split, out_dir, job=NO_JOB):
        return match_cloaks(self.name, self.files(), dataset, split, folder=self.folder)

    def files(self) -> list[Path]:
        if not self.folder.is_dir():
            raise FileNotFoundError(f"The folder of cloaked photos {self.folder} does not exist.")
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def match_cloaks(name: str, files: list[Path], dataset, split, extractors: list[str] | None = None,
                 folder: Path | None = None) -> PreparedCondition:
    """A condition's training photos from a folder of cloaks: a person is enrolled only when every one of
    their training photos has its own cloak; what does not pair up is reported by name."""
    photos = [dataset.relative(p.path) for p in dataset.photos]
    wanted = {r for relatives in split.train.values() for r in relatives}
    pairing = pair_cloaks(files, folder, photos, wanted)
    training, set_aside = {}, {}
    for person, relatives in split.train.items():
        found = [pairing.cloak_of[r] for r in relatives if r in pairing.cloak_of]
        if len(found) == len(relatives):
            training[person] = found
        elif found:
            set_aside[person] = f"only {len(found)} of {len(relatives)} training photos are cloaked"
        else:
            set_aside[person] = "no cloaked training photo"
    notes = list(pairing.notes)
    for f in pairing.unused:
        notes.append(f"{cloak_name(f, folder)}: matches no training photo of this split")
    originals = {pairing.cloak_of[r]: r for relatives in split.train.values() for r in relatives if r in pairing.cloak_of}
    return PreparedCondition(name, training, set_aside, notes, extractors, originals, folder)
