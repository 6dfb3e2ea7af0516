"""Cleaning steps a tracker applies to every photo it handles, one file per step, each a ``base.CleaningStep``.
``CLEANING`` is the one list of them: the tracker spec (``core.recognizers.spec``), the plain words, the command
line's help and the window read it, so a new step is its file plus one line here."""
from __future__ import annotations

from .base import CleaningStep, clean_all
from .bits import Bits
from .blur import Blur
from .jpeg import Jpeg
from .median import Median
from .resize import Resize

CLEANING: list[type[CleaningStep]] = [Blur, Median, Bits, Jpeg, Resize]


def cleaning_for(prefix: str) -> type[CleaningStep] | None:
    """The step spelt ``prefix`` (``+median``; any case), or None."""
    return next((c for c in CLEANING if c.prefix == prefix.lower()), None)


__all__ = ["CLEANING", "CleaningStep", "clean_all", "cleaning_for"]
