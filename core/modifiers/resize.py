"""``+resize:S``: downscale so the longer side is at most S pixels (Pillow LANCZOS), as social networks
shrink uploads; a photo already that small is enrolled as it is (never upscaled). Written as PNG so that
this step alone loses nothing but the pixels the downscale removes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..images import downscale
from .base import Context, Modifier
from .photo import EnrolledPhoto, encode_png


@dataclass(frozen=True)
class Resize(Modifier):
    size: int

    prefix = "+resize"
    usage = ("+resize:S",)
    example = "+resize:1080"
    help_text = "+resize:S (longest side at most S px)"
    upload = True

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Resize":
        if not value or not value.isdigit() or int(value) < 1:
            raise ValueError(f"In the condition '{spec}', +resize:{value} needs the longest side in pixels, e.g. +resize:1080.")
        return cls(int(value))

    @property
    def spelling(self) -> str:
        return f"+resize:{self.size}"

    def record(self) -> dict:
        return {"step": "resize", "longest_side_at_most": self.size, "filter": "LANCZOS", "upscale": False}

    def words(self) -> str:
        return f"{self.size} px"

    def phrase(self) -> str:
        return f"shrunk to {self.words()}"

    def apply(self, photos: list[EnrolledPhoto], context: Context) -> dict:
        shrunk = 0
        for photo in photos:
            rgb = photo.pixels()
            smaller = downscale(rgb, self.size)
            if smaller is not rgb:
                photo.replace(encode_png(smaller), ".png", smaller, self.spelling)
                shrunk += 1
        return {"shrunk": shrunk, "kept": len(photos) - shrunk}

    def note(self, counts: dict) -> str:
        kept = counts.get("kept", 0)
        return (f"{self.spelling}: {counts.get('shrunk', 0)} photos downscaled to at most {self.size} px (LANCZOS)"
                + (f"; {kept} already that small, enrolled as they were" if kept else ""))

    def transform(self, rgb: np.ndarray) -> np.ndarray:
        return downscale(rgb, self.size)
