"""``+bits:B``: each colour channel kept to B bits (2^B levels, evenly spread over 0..255), the "feature squeezing"
of Xu et al.: a cloak's small changes fall inside one level and vanish."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import CleaningStep, whole_number


@dataclass(frozen=True)
class Bits(CleaningStep):
    bits: int

    prefix = "+bits"
    usage = "+bits:B"
    example = "+bits:5"
    help_text = "+bits:B (B bits per colour channel)"
    presets = ("5", "4")

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Bits":
        bits = whole_number(value, 1, 7)
        if bits is None:
            raise ValueError(f"In the tracker '{spec}', +bits:{value or ''} needs the bits kept per channel, "
                             f"from 1 to 7, e.g. +bits:5.")
        return cls(bits)

    @property
    def spelling(self) -> str:
        return f"+bits:{self.bits}"

    def noun(self) -> str:
        return f"{self.bits} bits per colour"

    def record(self) -> dict:
        return {"step": "bits", "bits_per_channel": self.bits, "levels": 2 ** self.bits, "rounding": "nearest"}

    def clean(self, rgb: np.ndarray) -> np.ndarray:
        top = 2 ** self.bits - 1
        return (np.round(rgb.astype(np.float32) * (top / 255.0)) * (255.0 / top)).round().astype(np.uint8)
