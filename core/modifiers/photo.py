"""One training photo on its way to enrolment: where it came from, whether it is still cloaked, and its
bytes as they will be enrolled. Decoding and encoding live here so every modifier does them alike."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..images import decode, encode_rgb, load_rgb


@dataclass
class EnrolledPhoto:
    person: str
    original: str  # the split's training photo it stands for, relative to the dataset folder
    original_path: Path  # that photo's file (the clean one)
    source: Path  # the file the condition prepared (a cloak, or the clean photo for none)
    cloaked: bool
    data: bytes | None = None  # the bytes to enrol once a step has changed them; None: the source's own bytes
    suffix: str = ""  # of those bytes
    steps: list[str] = field(default_factory=list)  # what was done to it, in order
    _pixels: np.ndarray | None = field(default=None, repr=False)

    def pixels(self) -> np.ndarray:
        """The photo as it stands now, RGB; raises ``UnusableImage`` naming the source file."""
        if self._pixels is None:
            self._pixels = decode(self.data) if self.data is not None else load_rgb(self.source)
        return self._pixels

    def replace(self, data: bytes, suffix: str, pixels: np.ndarray | None, step: str) -> None:
        self.data, self.suffix, self._pixels = data, suffix, pixels
        self.steps.append(step)

    def reset_to_clean(self, step: str) -> None:
        """Enrol the clean original instead (a photo that leaked uncloaked)."""
        self.source, self.cloaked, self.data, self.suffix, self._pixels = self.original_path, False, None, "", None
        self.steps.append(step)

    def release(self) -> None:
        """Forget the pixels once written (a study may enrol thousands of photos)."""
        self._pixels = None

    def final_bytes(self) -> tuple[bytes, str]:
        if self.data is not None:
            return self.data, self.suffix
        return self.source.read_bytes(), self.source.suffix.lower()


def encode_png(rgb: np.ndarray) -> bytes:
    return encode_rgb(rgb, "PNG")  # lossless, as the engine writes its cloaks
