"""``+jpeg:Q``: every enrolled photo re-encoded as JPEG quality Q with 4:2:0 chroma subsampling, as social
networks do when a photo is uploaded; what is enrolled is what of the cloak survives that."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..images import decode, encode_jpeg
from .base import Context, Modifier
from .photo import EnrolledPhoto


@dataclass(frozen=True)
class Jpeg(Modifier):
    quality: int

    prefix = "+jpeg"
    usage = ("+jpeg:Q",)
    example = "+jpeg:75"
    help_text = "+jpeg:Q (re-encoded as on upload)"
    upload = True

    @classmethod
    def parse(cls, value: str | None, spec: str) -> "Jpeg":
        if not value or not value.isdigit() or not 1 <= int(value) <= 100:
            raise ValueError(f"In the condition '{spec}', +jpeg:{value} needs a JPEG quality from 1 to 100, e.g. +jpeg:75.")
        return cls(int(value))

    @property
    def spelling(self) -> str:
        return f"+jpeg:{self.quality}"

    def record(self) -> dict:
        return {"step": "jpeg", "quality": self.quality, "chroma_subsampling": "4:2:0", "encoder": "Pillow"}

    def words(self) -> str:
        return f"JPEG {self.quality}"

    def phrase(self) -> str:
        return f"re-saved as {self.words()}"

    def apply(self, photos: list[EnrolledPhoto], context: Context) -> dict:
        for photo in photos:
            data = encode_jpeg(photo.pixels(), self.quality)
            photo.replace(data, ".jpg", None, self.spelling)  # decoded only if a later step needs it
        return {"photos": len(photos)}

    def note(self, counts: dict) -> str:
        return f"{self.spelling}: {counts.get('photos', 0)} photos re-encoded as JPEG quality {self.quality} (4:2:0)"

    def transform(self, rgb: np.ndarray) -> np.ndarray:
        return decode(encode_jpeg(rgb, self.quality))
