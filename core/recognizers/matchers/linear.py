"""``/linear``: a classifier trained on the enrolled vectors, crowd included — multinomial logistic regression from
scikit-learn on the vectors scaled to length 1 — as the trackers of the Fawkes paper were. The score is the
classifier's probability for each person. scikit-learn is imported when a classifier is first trained, so that
listing the matchers (the catalogue, the window) does not load it."""
from __future__ import annotations

import numpy as np

from ...score_scale import ScoreScale
from .base import Matcher, enrolled_people

SETTINGS = {"C": 10.0, "max_iter": 2000, "solver": "lbfgs", "tol": 1e-6}  # recorded in the manifest
PROBABILITY = ScoreScale("probability", True, "the trained classifier's probability for the person",
                         ((0.0, 0.0), (1.0, 1.0)))


class Linear(Matcher):
    name = "linear"
    words = "trained classifier"
    help_text = "/linear (a logistic-regression classifier trained on the enrolled photos)"

    @classmethod
    def scale_for(cls, network: ScoreScale) -> ScoreScale:
        return PROBABILITY

    @classmethod
    def record(cls) -> dict:
        return {"matcher": cls.name, "classifier": "sklearn.linear_model.LogisticRegression (multinomial)",
                "input": "face vectors scaled to length 1", **SETTINGS}

    @classmethod
    def doc(cls) -> str:
        return ("Trained classifier: the score is the probability a logistic-regression classifier, trained on every "
                "enrolled vector (the crowd's too), gives the person; confidence is that probability.")

    def fit(self, vectors: dict[str, list[np.ndarray]]) -> None:
        from sklearn.linear_model import LogisticRegression  # see the module's docstring: only when training

        self.people = enrolled_people(vectors)
        if len(self.people) < 2:
            raise RuntimeError("A trained classifier needs at least two enrolled people to tell apart.")
        rows = np.stack([v for p in self.people for v in vectors[p]])
        labels = np.array([i for i, p in enumerate(self.people) for _ in vectors[p]])
        self._model = LogisticRegression(**SETTINGS).fit(_unit(rows), labels)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        return self._model.predict_proba(_unit(vector[None]))[0]  # classes 0..n-1 are ``people`` in order


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
