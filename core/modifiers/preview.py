"""One photo as a modified condition would enrol it, for the window's viewer: the same functions as the
study (so what is shown is what is enrolled), for one photo at a time."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..images import load_rgb
from .leak import Leak, pick
from .spelling import split_modifiers


def as_enrolled(spec: str, cloak: Path, original: Path, seed: int = 0, person: str = "",
                originals: list[str] | None = None, relative: str = "") -> tuple[np.ndarray, str] | None:
    """The photo ``cloak`` (a cloak of ``original``) after the modifiers of ``spec``, and what happened to it
    in words; None when ``spec`` has none. ``person``, ``originals`` (their training photos) and
    ``relative`` (this one's) say whether ``@K`` keeps it cloaked."""
    _, steps = split_modifiers(spec)
    if not steps:
        return None
    rgb, words = load_rgb(cloak), []
    for step in steps:
        if isinstance(step, Leak):
            own = list(originals or [])
            k = step.how_many(len(own))
            if not own or len(own) < k or k == 0:
                words.append(f"{step.spelling}: this person would be set aside")
            elif relative in pick(own, k, seed, person):
                words.append(f"{step.spelling}: stays cloaked")
            else:
                rgb = load_rgb(original)
                words.append(f"{step.spelling}: enrolled clean (leaked)")
        else:
            rgb = step.preview(rgb)
            words.append(step.words())
    return rgb, ", ".join(words)
