"""``/nearest``: a test face goes to the person of the nearest single training photo (1-NN, FaceCure's baseline
tracker), so one clean photo left among cloaks is enough to find a person, and one odd cloak can mislead it."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...score_scale import ScoreScale
from .base import Matcher, enrolled_people


class Nearest(Matcher):
    name = "nearest"
    words = "matching the nearest photo"
    help_text = "/nearest (the nearest single training photo)"

    @classmethod
    def scale_for(cls, network: ScoreScale) -> ScoreScale:
        return replace(network, words=f"{network.words} to the nearest training photo")

    @classmethod
    def doc(cls) -> str:
        return "Matching the nearest photo: the score is against the person's nearest single training photo, not their mean."

    def fit(self, vectors: dict[str, list[np.ndarray]]) -> None:
        self.people = enrolled_people(vectors)
        self._photos = np.stack([v for p in self.people for v in vectors[p]])
        counts = [len(vectors[p]) for p in self.people]
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)  # each person's first row

    def scores(self, vector: np.ndarray) -> np.ndarray:
        each = self.measure(vector, self._photos)
        best = np.maximum if self.higher_is_better else np.minimum
        return best.reduceat(each, self._starts)
