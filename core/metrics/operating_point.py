"""Where each tracker's line is drawn, and every test photo judged at it.

A tracker's raw scores are not comparable between trackers (dlib's distance 0.6, faceres's cosine 0.70, Azure's
confidence 0.5 are not equally strict), so a threshold is set the same way for each: on the study's *clean*
enrolment, every clean test photo is compared with every *other* person (an impostor comparison); the threshold
lets through at most the chosen fraction of them (the false-match rate, FMR). A person is re-identified at that
operating point when their best candidate is themselves *and* its score is strictly better than the threshold.
At FMR 100% there is no threshold at all, which is rank-1: the best guess is the right person.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..results import BELOW_THRESHOLD, ERROR, IDENTIFIED, NO_FACE, WRONG_PERSON, ResultRow
from ..score_scale import CONFIDENCE, ScoreScale
from .scores import CALIBRATION, CLEAN, Scores
from .summary import PointRecord


@dataclass(frozen=True)
class OperatingPoint:
    """Where a recognizer's line is drawn. ``fmr`` None: not calibrated (the recognizer's own confidence
    threshold, passed at or above it); else a raw-score threshold that a match must beat strictly."""

    recognizer: str
    fmr: float | None
    threshold: float | None  # None: no threshold at all (FMR 100%)
    scale: ScoreScale  # of the scores the threshold is on: the tracker's own, or CONFIDENCE when not calibrated
    impostor_comparisons: int = 0

    @property
    def calibrated(self) -> bool:
        return self.fmr is not None

    @property
    def score(self) -> str:
        return self.scale.kind

    def passes(self, row: ResultRow) -> bool:
        value = row.confidence if self.scale.is_confidence and not self.calibrated else row.score
        if value is None:
            return False
        if self.threshold is None:
            return True
        if not self.calibrated:
            return value >= self.threshold
        return self.scale.better(value, self.threshold)

    def record(self) -> PointRecord:
        """As the summary and the manifest keep it, with the line as a confidence where the scale gives one."""
        mark = None
        if self.threshold is not None and (not self.calibrated or self.scale.is_confidence):
            mark = self.threshold
        elif self.threshold is not None and self.scale.confidence_at:
            mark = self.scale.confidence(self.threshold)
        return PointRecord(self.fmr, self.threshold, self.score, self.impostor_comparisons, self.calibrated, mark)

    def to_json(self) -> dict:
        return self.record().to_json()


def impostor_scores(clean: dict[str, tuple[str, dict[str, float]]]) -> tuple[list[float], int]:
    """Every clean test photo against every other person: the scores returned and the comparisons made.

    A recognizer that returns only its best candidates (Azure) leaves some comparisons without a score;
    they count, as worse than every score returned."""
    everyone = {c for _, candidates in clean.values() for c in candidates}
    values, comparisons = [], 0
    for person, candidates in clean.values():
        if not candidates:
            continue
        comparisons += len(everyone - {person})
        values.extend(s for c, s in candidates.items() if c != person)
    return values, comparisons


def calibrate(impostors: list[float], comparisons: int, fmr: float, higher_is_better: bool) -> float | None:
    """The threshold that lets through at most ⌊fmr × comparisons⌋ impostor comparisons.

    Impostor scores sorted from most to least match-like: the threshold is the one just past the
    allowed number, and a match must be strictly better than it. None: no threshold (FMR 100%, or
    more comparisons allowed than there are).
    """
    if fmr >= 1 or comparisons == 0:
        return None
    allowed = math.floor(fmr * comparisons + 1e-9)
    ordered = sorted(impostors, reverse=higher_is_better)
    if allowed < len(ordered):
        return ordered[allowed]
    if len(ordered) < comparisons and ordered:
        return ordered[-1]  # the unscored comparisons are worse than every score returned
    return None


def clean_scores(scores: Scores, recognizer: str) -> dict[str, tuple[str, dict[str, float]]] | None:
    """The clean enrolment's scores: the `none` condition's, else the extra calibration enrolment's."""
    for condition in (CLEAN, CALIBRATION):
        photos = scores.get((condition, recognizer))
        if photos:
            return photos
    return None


def operating_point(recognizer: str, scores: Scores, fmr: float, scale: ScoreScale,
                    own_threshold: float = 0.5) -> OperatingPoint:
    """Calibrated on the clean scores where there are some (always for local recognizers that ran);
    an online tracker without the clean condition, or an old study without scores, keeps its own confidence line."""
    clean = clean_scores(scores, recognizer)
    if clean is None:  # an online tracker is enrolled clean only by the study's own `none` condition
        return OperatingPoint(recognizer, None, own_threshold, CONFIDENCE, 0)
    impostors, comparisons = impostor_scores(clean)
    return OperatingPoint(recognizer, fmr, calibrate(impostors, comparisons, fmr, scale.higher_is_better), scale,
                          comparisons)


def points_for(recognizers, scores: Scores, fmr: float, scales: dict[str, ScoreScale],
               own_thresholds: dict[str, float] | None = None) -> dict[str, OperatingPoint]:
    own_thresholds = own_thresholds or {}
    return {name: operating_point(name, scores, fmr, scales[name], own_thresholds.get(name, 0.5)) for name in recognizers}


def judge(row: ResultRow, point: OperatingPoint) -> ResultRow:
    """The row with its outcome at the operating point, its rank-1 verdict and the threshold used."""
    rank1 = bool(row.predicted) and row.predicted == row.person
    if row.outcome in (NO_FACE, ERROR):
        return replace(row, rank1_correct=False, threshold=point.threshold)
    if not row.predicted or not point.passes(row):
        outcome = BELOW_THRESHOLD
    else:
        outcome = IDENTIFIED if rank1 else WRONG_PERSON
    return replace(row, outcome=outcome, rank1_correct=rank1, threshold=point.threshold)


def judge_rows(rows: list[ResultRow], points: dict[str, OperatingPoint]) -> list[ResultRow]:
    return [judge(r, points[r.recognizer]) if r.recognizer in points else r for r in rows]


def found(group: list[ResultRow], point: OperatingPoint | None) -> dict[str, bool]:
    """Person → re-identified (any of their test photos): the best guess is right and, with ``point``, passes it."""
    people: dict[str, bool] = {}
    for r in group:
        hit = bool(r.predicted) and r.predicted == r.person and r.outcome not in (NO_FACE, ERROR)
        if point is not None:
            hit = hit and point.passes(r)
        people[r.person] = people.get(r.person, False) or hit
    return people
