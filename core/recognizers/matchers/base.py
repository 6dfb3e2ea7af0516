"""What every matcher is: how a tracker that turns faces into vectors names the person of a test face from the
vectors it enrolled. A matcher is one file with such a class plus one line in ``core.recognizers.matchers.MATCHERS``;
the tracker spec (``core.recognizers.spec``), the plain words, the command line's help and the window read that list.

A matcher scores a vector against every enrolled person and says, with ``scale_for``, what its scores are: each
matcher has its own scale, so the study calibrates it at its false-match rate on its own clean scores."""
from __future__ import annotations

from typing import Callable, ClassVar

import numpy as np

from ...score_scale import ScoreScale

# the network's own score of one vector against each row of a matrix (a distance or a cosine similarity)
Measure = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Matcher:
    name: ClassVar[str]  # as spelled after the tracker's name: dlib/nearest
    words: ClassVar[str]  # the window's and the report's words: "matching the nearest photo"
    help_text: ClassVar[str]  # the command line's help: "/nearest (the nearest single training photo)"
    default: ClassVar[bool] = False  # what a tracker does when no matcher is spelled

    def __init__(self, measure: Measure, higher_is_better: bool):
        """``measure`` and ``higher_is_better``: the network's own score and its direction."""
        self.measure = measure
        self.higher_is_better = higher_is_better
        self.people: list[str] = []

    @classmethod
    def scale_for(cls, network: ScoreScale) -> ScoreScale:
        """What this matcher's scores are, for a network whose own scores are ``network``."""
        raise NotImplementedError

    @classmethod
    def record(cls) -> dict:
        """What the manifest says about it (its settings)."""
        return {"matcher": cls.name}

    @classmethod
    def doc(cls) -> str:
        """How its score is made, one sentence after the network's own ``confidence_doc``."""
        return ""

    def fit(self, vectors: dict[str, list[np.ndarray]]) -> None:
        """Learn the enrolled people (``people``: sorted) from their vectors; a RuntimeError in words when it cannot."""
        raise NotImplementedError

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """One score per person of ``people``, in that order."""
        raise NotImplementedError


def enrolled_people(vectors: dict[str, list[np.ndarray]]) -> list[str]:
    """The people with at least one vector, sorted; a RuntimeError when there is nobody."""
    people = sorted(p for p, vs in vectors.items() if vs)
    if not people:
        raise RuntimeError("No training photo could be enrolled, so there is nobody to recognise.")
    return people
