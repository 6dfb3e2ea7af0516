"""A tracker in one small file, to show that adding one is this file plus one catalogue entry: it tells people
apart by the average colour of the whole photo (a person is the mean of their training photos' colours; a test
photo goes to the nearest). A real recognizer, if a weak one; it needs no network and no face detector."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.catalogue import OFFLINE, Tracker
from core.recognizers.base import EmbeddingRecognizer
from core.score_scale import distance_scale

NAME = "tinycolour"
SPREAD = 0.1  # distance between average colours (0..1 per channel) that gives confidence 0.5


class TinyColourRecognizer(EmbeddingRecognizer):
    name = NAME
    scale = distance_scale(SPREAD, "distance between average colours")

    def embed(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        return rgb.reshape(-1, rgb.shape[-1]).mean(axis=0) / 255.0

    def scores(self, vector: np.ndarray, means: np.ndarray) -> np.ndarray:
        return np.linalg.norm(means - vector, axis=1)


ENTRY = Tracker(NAME, "The average colour of the whole photo, on this computer (a test's tiny tracker).", OFFLINE,
                f"{__name__}:TinyColourRecognizer")
