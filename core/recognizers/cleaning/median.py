"""``+median:K``: a median filter over K×K pixels (Pillow), the classic way to remove small adversarial noise."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .base import CleaningStep, whole_number


@dataclass(frozen=True)
class Median(CleaningStep):
    size: int

    prefix = "+median"
    usage = "+median:K"
    example = "+median:3"
    help_text = "+median:K (median filter, K×K px, K odd)"
    presets = ("3", "5")

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Median":
        size = whole_number(value, 3, 15)
        if size is None or size % 2 == 0:
            raise ValueError(f"In the tracker '{spec}', +median:{value or ''} needs an odd window size from 3 to 15 "
                             f"pixels, e.g. +median:3.")
        return cls(size)

    @property
    def spelling(self) -> str:
        return f"+median:{self.size}"

    def noun(self) -> str:
        return f"a median filter ({self.size}×{self.size} px)"

    def record(self) -> dict:
        return {"step": "median", "window_px": self.size, "library": "Pillow ImageFilter.MedianFilter"}

    def clean(self, rgb: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(rgb).filter(ImageFilter.MedianFilter(self.size)))
