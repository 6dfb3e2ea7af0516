"""``+resize:S``: every photo shrunk so its longer side is S pixels, then brought back to its own size, so the
network sees the usual size with the fine detail (and the cloak's) gone. The shrinking is the condition
modifier's (``core.modifiers.resize``); a photo already that small is left as it is."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ...images import downscale
from .base import CleaningStep, whole_number


@dataclass(frozen=True)
class Resize(CleaningStep):
    size: int

    prefix = "+resize"
    usage = "+resize:S"
    example = "+resize:320"
    help_text = "+resize:S (down to S px on the longer side, then back up)"
    presets = ("320", "160")

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Resize":
        size = whole_number(value, 8)
        if size is None:
            raise ValueError(f"In the tracker '{spec}', +resize:{value or ''} needs the longer side in pixels "
                             f"(8 or more), e.g. +resize:320.")
        return cls(size)

    @property
    def spelling(self) -> str:
        return f"+resize:{self.size}"

    def noun(self) -> str:
        return f"a shrink to {self.size} px and back"

    def record(self) -> dict:
        return {"step": "resize", "longer_side_px": self.size, "down": "LANCZOS", "back_up": "LANCZOS"}

    def clean(self, rgb: np.ndarray) -> np.ndarray:
        smaller = downscale(rgb, self.size)
        if smaller is rgb:
            return rgb
        height, width = rgb.shape[:2]
        return np.asarray(Image.fromarray(smaller).resize((width, height), Image.Resampling.LANCZOS))
