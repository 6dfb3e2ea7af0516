"""What every cleaning step is: something a tracker does to **every** photo it handles — enrolled, test and
calibration — before its network sees it, to wash a cloak out (the Fawkes paper's countermeasures, PuFace).
A small frozen dataclass that reads its own spelling (``+median:3`` after the tracker's name), says itself in
words and changes pixels. A new step is one file with such a class plus one line in
``core.recognizers.cleaning.CLEANING``. Steps are picklable: dlib's worker processes clean the photos they describe."""
from __future__ import annotations

from typing import ClassVar

import numpy as np


class CleaningStep:
    prefix: ClassVar[str]  # "+median": letters after the plus; the value follows a colon
    usage: ClassVar[str]  # how it is written, for refusals: "+median:K"
    example: ClassVar[str]  # a spelling that works: "+median:3"
    help_text: ClassVar[str]  # the command line's help: "+median:K (median filter, K px square)"
    presets: ClassVar[tuple[str, ...]] = ()  # the values the window offers

    @classmethod
    def parse(cls, value: str | None, spec: str) -> CleaningStep:
        """The step from the text after ``prefix:``; a ValueError in one line naming ``spec`` when it cannot be read."""
        raise NotImplementedError

    @property
    def spelling(self) -> str:
        raise NotImplementedError

    def noun(self) -> str:
        """What it is, to follow "cleaning every photo with": "a median filter (3 px)"."""
        raise NotImplementedError

    def record(self) -> dict:
        """What the manifest says about it."""
        raise NotImplementedError

    def clean(self, rgb: np.ndarray) -> np.ndarray:
        """The pixels after this step (uint8 RGB, the same size as given)."""
        raise NotImplementedError


def clean_all(steps, rgb: np.ndarray) -> np.ndarray:
    """``rgb`` through every step, left to right."""
    for step in steps:
        rgb = step.clean(rgb)
    return rgb


def whole_number(value: str | None, low: int, high: int | None = None) -> int | None:
    """``value`` as a whole number in low..high, or None."""
    if not value or not value.isdigit():
        return None
    number = int(value)
    return number if number >= low and (high is None or number <= high) else None
