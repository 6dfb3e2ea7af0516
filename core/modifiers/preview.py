"""One photo as a modified condition would enrol it, for the window's viewer: each modifier's own ``preview``,
the same transformation as the study's (so what is shown is what is enrolled), for one photo at a time."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..conditions.spec import parse_spec
from ..images import load_rgb
from .base import Preview


def as_enrolled(spec: str, cloak: Path, original: Path, seed: int = 0, person: str = "",
                originals: list[str] | None = None, relative: str = "") -> tuple[np.ndarray, str] | None:
    """The photo ``cloak`` (a cloak of ``original``) after the modifiers of ``spec``, and what happened to it
    in words; None when ``spec`` has none. ``person``, ``originals`` (their training photos) and
    ``relative`` (this one's) say whether ``@K`` keeps it cloaked."""
    steps = parse_spec(spec).modifiers
    if not steps:
        return None
    photo = Preview(load_rgb(cloak), Path(original), relative, person, list(originals or []), seed)
    for step in steps:
        step.preview(photo)
    return photo.rgb, ", ".join(photo.words)
