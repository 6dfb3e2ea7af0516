"""``/mean`` (the default): a person is the mean of their training vectors; a test face goes to the nearest mean."""
from __future__ import annotations

import numpy as np

from ...score_scale import ScoreScale
from .base import Matcher, enrolled_people


class Mean(Matcher):
    name = "mean"
    words = "matching the person's mean"
    help_text = "/mean (the nearest person mean: the default)"
    default = True

    @classmethod
    def scale_for(cls, network: ScoreScale) -> ScoreScale:
        return network  # the network's own score, against the mean

    def fit(self, vectors: dict[str, list[np.ndarray]]) -> None:
        self.people = enrolled_people(vectors)
        self._means = np.stack([np.mean(vectors[p], axis=0) for p in self.people])

    def scores(self, vector: np.ndarray) -> np.ndarray:
        return self.measure(vector, self._means)
