"""A tracker that screens photos for cloaks: before enrolling, it drops every photo its detector flags (the
detector's line lets 1 in 20 clean photos be flagged by mistake), each photo judged by the detector that never
saw its person. Under an ``@K`` condition the leaked clean photos mostly pass, and then carry the person.
``screen_training`` gives the photos such a tracker would enrol, with the condition's own detector
(``study_entry.condition_detection``, the one the study's ``cloak_detection`` reports)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..conditions.prepared import PreparedCondition
from .detect import DetectorRun


@dataclass
class Screening:
    condition: str
    kept: dict[str, list[Path]] = field(default_factory=dict)  # person -> photos the tracker still enrols
    set_aside: dict[str, list[Path]] = field(default_factory=dict)  # person -> photos it flagged as cloaked
    reason: str = ""  # why nothing was screened, when nothing could be

    @property
    def photos(self) -> int:
        return sum(map(len, self.kept.values())) + sum(map(len, self.set_aside.values()))

    @property
    def flagged(self) -> int:
        return sum(map(len, self.set_aside.values()))

    def left_with_none(self) -> list[str]:
        return sorted(p for p in self.set_aside if not self.kept.get(p))

    def sentence(self, yours: bool = False) -> str:
        """"a tracker that screens photos for cloaks would have set aside 24 of your 25 photos"."""
        if self.reason:
            return f"A tracker that screens photos for cloaks could not be tried: {self.reason}."
        whose = "your" if yours else "the"
        text = (f"A tracker that screens photos for cloaks would have set aside {self.flagged} of {whose} "
                f"{self.photos} photo{'s' if self.photos != 1 else ''}")
        empty = self.left_with_none()
        if empty and not yours:
            text += f", leaving {len(empty)} {'person' if len(empty) == 1 else 'people'} with none to enrol"
        return text + "."

    def to_json(self) -> dict:
        return {"condition": self.condition, "photos": self.photos, "set_aside": self.flagged,
                "people_left_with_none": self.left_with_none(), "reason": self.reason,
                "set_aside_photos": {p: [f.name for f in files] for p, files in sorted(self.set_aside.items())}}


def screen_training(prepared: PreparedCondition, run: DetectorRun | None) -> Screening:
    """Split each person's photos to enrol into kept and set aside by ``run``'s detector (nothing set aside
    without one)."""
    screening = Screening(prepared.name)
    if run is None:
        screening.kept = {p: list(files) for p, files in prepared.training.items()}
        screening.reason = "the detector could not be trained on these photos"
        return screening
    for person, files in prepared.training.items():
        flags = [run.flagged(Path(f), person) for f in files]
        screening.kept[person] = [Path(f) for f, flag in zip(files, flags) if not flag]
        aside = [Path(f) for f, flag in zip(files, flags) if flag]
        if aside:
            screening.set_aside[person] = aside
    return screening
