"""What a condition hands the study: the training photos to enrol per person, who is set aside and why, and
where those photos are; and ``Condition``, what every kind of condition does to get there."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..datasets import Dataset
from ..jobs import NO_JOB, Job
from ..recognizers.spec import network_of
from ..split import Split
from .listing import write_listing
from .spec import ConditionSpec, parse_spec


@dataclass
class PreparedCondition:
    name: str  # the full spelling (ConditionSpec.spelling)
    training: dict[str, list[Path]]  # person -> photos to enrol
    set_aside: dict[str, str] = field(default_factory=dict)  # person -> why not counted
    notes: list[str] = field(default_factory=list)  # one line each: unmatched files, photos with no face, ...
    # networks the cloaks were optimised against; None when unknown (made by another tool)
    extractors: list[str] | None = field(default_factory=list)
    # each file to enrol -> the training photo (relative to the dataset) it stands for, as paired by
    # ``core.pairing``; later steps (modifiers) and the listing use it instead of guessing from names
    originals: dict[Path, str] = field(default_factory=dict)
    folder: Path | None = None  # where the files to enrol are (the dataset, an imported folder, the study's)
    details: dict[Path, dict] = field(default_factory=dict)  # file -> what was done to it, for the listing

    @cached_property
    def spec(self) -> ConditionSpec:
        return parse_spec(self.name)

    def photos(self) -> list[dict]:
        """Each file to enrol: the person, the training photo it stands for, the file, and what was done to it."""
        return [{"person": person, "original": self.originals.get(Path(f), Path(f).name), "file": Path(f),
                 **self.details.get(Path(f), {})} for person, files in self.training.items() for f in files]

    def judged_as(self, recognizer: str) -> str:
        """"clean", "white-box" (judged by a network the cloak was made against) or "black-box"."""
        if not self.spec.cloaked:  # none, or none under an upload modifier
            return "clean"
        return "white-box" if self.extractors and network_of(recognizer) in self.extractors else "black-box"


class Condition:
    """A kind of condition, built from its spec (``core.conditions.build``). ``make`` prepares the training
    photos; ``prepare`` also writes the listing of what will be enrolled into the study folder
    (``enrolled/<condition>/enrolled.json``), which the report and the window read back."""

    spec: ConditionSpec

    @property
    def name(self) -> str:
        return self.spec.spelling

    def prepare(self, dataset: Dataset, split: Split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        prepared = self.make(dataset, split, Path(out_dir), job)
        write_listing(Path(out_dir), self.spec, prepared.folder, prepared.photos(), **self.listing_facts())
        return prepared

    def make(self, dataset: Dataset, split: Split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        raise NotImplementedError

    def listing_facts(self) -> dict:
        """What else the listing says about the condition as a whole (a modified condition's seed)."""
        return {}
