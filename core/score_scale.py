"""What a tracker's raw score is: its kind, which way is better, and how it maps to a 0..1 confidence.

Written beside the scores (``scores.csv``'s columns, ``summary.json``'s ``score_scales``, the manifest), so that a
study's numbers can be judged again from its folder alone, by a tracker this program no longer knows or one a
user added, instead of being looked up by the tracker's name.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ScoreScale:
    kind: str  # "distance", "cosine similarity", "confidence", …: "confidence" means the score *is* the 0..1 confidence
    higher_is_better: bool
    words: str = ""  # what the score is, for a reader
    # (score, confidence) corners of the straight-line mapping, scores ascending; outside them the end values hold
    confidence_at: tuple[tuple[float, float], ...] = ((0.0, 0.0), (1.0, 1.0))

    @property
    def is_confidence(self) -> bool:
        """The score is already the tracker's confidence: its own line is drawn on the score itself."""
        return self.kind == "confidence"

    def better(self, a: float, b: float) -> bool:
        """``a`` is a strictly better match than ``b``."""
        return a > b if self.higher_is_better else a < b

    def confidence(self, score: float) -> float:
        """The score as a 0..1 confidence, by straight lines between the corners."""
        corners = self.confidence_at
        if score <= corners[0][0]:
            return float(corners[0][1])
        for (x0, y0), (x1, y1) in zip(corners, corners[1:]):
            if score <= x1:
                # this order of operations matches the trackers' own formulas bit for bit
                return float(y0 + (score - x0) / (x1 - x0) * (y1 - y0))
        return float(corners[-1][1])

    def to_json(self) -> dict:
        return {"kind": self.kind, "higher_is_better": self.higher_is_better, "words": self.words,
                "confidence_at": [list(c) for c in self.confidence_at]}

    @classmethod
    def from_json(cls, data: dict) -> "ScoreScale":
        return cls(str(data["kind"]), bool(data["higher_is_better"]), str(data.get("words", "")),
                   tuple((float(x), float(y)) for x, y in data.get("confidence_at", ((0.0, 0.0), (1.0, 1.0)))))


CONFIDENCE = ScoreScale("confidence", True, "confidence (0..1)")


def cosine_scale(match_cosine: float) -> ScoreScale:
    """Cosine similarity: confidence 0 at cosine ≤ 0, 0.5 at the network's match line, 1 at cosine 1."""
    return ScoreScale("cosine similarity", True, "cosine similarity",
                      ((0.0, 0.0), (float(match_cosine), 0.5), (1.0, 1.0)))


def distance_scale(match_distance: float, words: str = "euclidean distance") -> ScoreScale:
    """A distance: confidence 1 at 0, 0.5 at the match line, 0 at twice it and beyond."""
    return ScoreScale("distance", False, words, ((0.0, 1.0), (2 * float(match_distance), 0.0)))
