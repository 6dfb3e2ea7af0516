"""``+jpeg:Q``: every photo re-encoded as JPEG quality Q before the network sees it — the same encoder as the
condition modifier ``+jpeg:Q`` (``core.modifiers.jpeg``), used here as a defence rather than an upload."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...images import decode, encode_jpeg
from .base import CleaningStep, whole_number


@dataclass(frozen=True)
class Jpeg(CleaningStep):
    quality: int

    prefix = "+jpeg"
    usage = "+jpeg:Q"
    example = "+jpeg:50"
    help_text = "+jpeg:Q (re-encoded as JPEG quality Q)"
    presets = ("50", "75")

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Jpeg":
        quality = whole_number(value, 1, 100)
        if quality is None:
            raise ValueError(f"In the tracker '{spec}', +jpeg:{value or ''} needs a JPEG quality from 1 to 100, "
                             f"e.g. +jpeg:50.")
        return cls(quality)

    @property
    def spelling(self) -> str:
        return f"+jpeg:{self.quality}"

    def noun(self) -> str:
        return f"JPEG {self.quality} compression"

    def record(self) -> dict:
        return {"step": "jpeg", "quality": self.quality, "chroma_subsampling": "4:2:0", "encoder": "Pillow"}

    def clean(self, rgb: np.ndarray) -> np.ndarray:
        return decode(encode_jpeg(rgb, self.quality))
