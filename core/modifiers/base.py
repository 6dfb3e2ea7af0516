"""What every modifier is: a small frozen dataclass that reads its own spelling, says itself in words, changes a
person's photos and records what it did. A new modifier is one file with such a class plus one line in
``core.modifiers.MODIFIERS``; the condition parser, the plain words, the command line's help, the window and
the study folder all ask the classes in that list, so none of them names a modifier or guesses what one is."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..images import load_rgb
from .photo import EnrolledPhoto


@dataclass
class Context:
    """What the steps of one condition share while they run: the seed, and who was set aside and why."""

    seed: int
    set_aside: dict[str, str] = field(default_factory=dict)  # person -> why


@dataclass
class Preview:
    """One photo on its way through the steps, for the window's viewer (no study folder, nothing written)."""

    rgb: np.ndarray  # as it stands now
    original: Path  # its clean photo
    relative: str  # that photo, relative to the dataset
    person: str
    originals: list[str]  # the person's training photos, relative to the dataset
    seed: int
    words: list[str] = field(default_factory=list)  # what happened to it, a phrase per step

    def back_to_clean(self) -> None:
        self.rgb = load_rgb(self.original)


class Modifier:
    """The protocol. ``prefix`` is how the spelling starts: ``+name`` (letters; the value follows a colon) or
    ``@`` (the value follows directly). Subclasses are frozen dataclasses, so two equal spellings are equal."""

    prefix: ClassVar[str]
    usage: ClassVar[tuple[str, ...]]  # how it is written, for refusals: ("+jpeg:Q",)
    example: ClassVar[str]  # a spelling that works, for refusals: "+jpeg:75"
    help_text: ClassVar[str]  # the command line's help: "+jpeg:Q (re-encoded as on upload)"
    takes_value: ClassVar[bool] = True
    upload: ClassVar[bool] = False  # what a social network does to an upload: said together ("uploaded to ...")
    seeded: ClassVar[bool] = False  # what it does depends on the seed, so a repeated study runs it again

    @classmethod
    def parse(cls, value: str | None, spec: str) -> Modifier:
        """The modifier from the text after its prefix (None when there is none); a ValueError in one line
        naming ``spec`` when it cannot be read."""
        raise NotImplementedError

    @classmethod
    def check(cls, spec: str, kind: str, steps: list[Modifier]) -> None:
        """Refuse, in one line, a condition whose steps make no sense together (``kind``: none, import, …)."""

    @property
    def spelling(self) -> str:
        raise NotImplementedError

    def words(self) -> str:
        """Its value in a few words ("1080 px"), as in "uploaded to a social network (1080 px, JPEG 75)"."""
        raise NotImplementedError

    def phrase(self) -> str:
        """What it does, as one step of a chain ("shrunk to 1080 px")."""
        raise NotImplementedError

    def summary(self) -> str:
        """What it does, in a condition's plain words (after the cloak's)."""
        return self.phrase()

    def record(self) -> dict:
        """What the manifest says about it."""
        raise NotImplementedError

    def apply(self, photos: list[EnrolledPhoto], context: Context) -> dict:
        """Change one person's photos in place (``EnrolledPhoto.replace``); returns what to count for the note."""
        raise NotImplementedError

    def note(self, counts: dict) -> str:
        """One line for the study's notes, from the counts of every person's ``apply``."""
        raise NotImplementedError

    def transform(self, rgb: np.ndarray) -> np.ndarray:
        """The pixels as this step leaves them (for the viewer)."""
        raise NotImplementedError

    def preview(self, photo: Preview) -> None:
        """Do to one photo what ``apply`` would, for the viewer."""
        photo.rgb = self.transform(photo.rgb)
        photo.words.append(self.words())
