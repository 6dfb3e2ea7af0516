"""What a condition hands the study: the training photos to enrol per person, who is set aside and why.

Kept apart from ``core.conditions`` (which parses condition names and knows every kind) so that the
kinds defined elsewhere (``core.cloaking.condition``) can build on it without an import cycle.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .datasets import Dataset
from .jobs import NO_JOB, Job
from .split import Split


@dataclass
class PreparedCondition:
    name: str
    training: dict[str, list[Path]]  # person -> photos to enrol
    set_aside: dict[str, str] = field(default_factory=dict)  # person -> why not counted
    notes: list[str] = field(default_factory=list)  # one line each: unmatched files, photos with no face, ...
    # networks the cloaks were optimised against; None when unknown (made by another tool)
    extractors: list[str] | None = field(default_factory=list)
    # each file to enrol -> the training photo (relative to the dataset) it stands for, as paired by
    # ``core.pairing``; later steps (modifiers) use it instead of guessing from names
    originals: dict[Path, str] = field(default_factory=dict)

    def judged_as(self, recognizer: str) -> str:
        """"clean", "white-box" (judged by a network the cloak was made against) or "black-box"."""
        if self.name.split("+", 1)[0] == "none":  # none, or none under an upload modifier
            return "clean"
        return "white-box" if self.extractors and recognizer in self.extractors else "black-box"


class Condition:
    name: str

    def prepare(self, dataset: Dataset, split: Split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        raise NotImplementedError
