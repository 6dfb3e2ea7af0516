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


def screen_photos(condition: str, photos: dict[str, list[tuple[Path, str]]], run: DetectorRun | None) -> Screening:
    """Split each person's photos into kept and set aside by ``run``'s detector (nothing set aside without one).
    ``photos``: person -> each file with the group the detector knows it by, so that it is judged by the fold's
    detector that never saw that group (a person in a study; the photo it stands for in a self-check)."""
    screening = Screening(condition)
    if run is None:
        screening.kept = {person: [Path(f) for f, _ in files] for person, files in photos.items()}
        screening.reason = "the detector could not be trained on these photos"
        return screening
    for person, files in photos.items():
        flags = [(Path(f), run.flagged(Path(f), group)) for f, group in files]
        screening.kept[person] = [f for f, flag in flags if not flag]
        if any(flag for _, flag in flags):
            screening.set_aside[person] = [f for f, flag in flags if flag]
    return screening


def screen_training(prepared: PreparedCondition, run: DetectorRun | None) -> Screening:
    """A study's condition: each person's photos to enrol, judged by the detector that never saw the person."""
    return screen_photos(prepared.name, {person: [(Path(f), person) for f in files]
                                         for person, files in prepared.training.items()}, run)
