"""``+blur:R``: a Gaussian blur of radius R pixels (Pillow), which smooths the fine pattern a cloak adds."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from .base import CleaningStep


@dataclass(frozen=True)
class Blur(CleaningStep):
    radius: float

    prefix = "+blur"
    usage = "+blur:R"
    example = "+blur:1"
    help_text = "+blur:R (Gaussian blur, radius R px)"
    presets = ("1", "2")

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Blur":
        try:
            radius = float(value or "")
        except ValueError:
            radius = 0.0
        if not 0 < radius <= 50:
            raise ValueError(f"In the tracker '{spec}', +blur:{value or ''} needs a radius in pixels above 0 "
                             f"(at most 50), e.g. +blur:1.")
        return cls(radius)

    @property
    def spelling(self) -> str:
        return f"+blur:{self.radius:g}"

    def noun(self) -> str:
        return f"a Gaussian blur ({self.radius:g} px)"

    def record(self) -> dict:
        return {"step": "blur", "gaussian_radius_px": self.radius, "library": "Pillow ImageFilter.GaussianBlur"}

    def clean(self, rgb: np.ndarray) -> np.ndarray:
        return np.asarray(Image.fromarray(rgb).filter(ImageFilter.GaussianBlur(self.radius)))
