"""The one place a study's summary is built: from its rows, its scores and what its pairs said.

``evaluate`` judges every row at each tracker's operating point and builds the whole summary; ``summarize`` counts
a study still running from its rows' outcomes alone; ``restate`` builds a finished study's summary again at
another false-match rate from its files. Every figure of an entry comes from one count of its people.
"""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from pathlib import Path

from ..fmr import CURVE_FMRS
from ..results import IDENTIFIED, OUTCOMES, ResultRow
from ..score_scale import CONFIDENCE, ScoreScale
from .operating_point import OperatingPoint, found, judge_rows, operating_point, points_for
from .scores import CLEAN, Scores, read_scores, scales_of
from .stats import mcnemar, spread, wilson
from .summary import (AtPoint, Confidence, CurvePoint, Figures, PairSummary, RepeatRun, Spread, StudySummary,
                      VersusClean)

Pair = tuple[str, str]  # (condition, tracker)


def nobody_judged(set_aside: dict[str, str]) -> str:
    """Why a condition has no result, in one sentence: "nobody could be judged: 3 people set aside — only 4
    of 5 training photos are cloaked"."""
    if not set_aside:
        return "nobody could be judged: no person has both training and test photos here"
    n = len(set_aside)
    because = "; ".join(why if count == n else f"{count}: {why}" for why, count in Counter(set_aside.values()).most_common())
    return f"nobody could be judged: {n} {'person' if n == 1 else 'people'} set aside — {because}"


def _groups(rows: list[ResultRow], asked: dict[Pair, str] | None) -> dict[Pair, list[ResultRow]]:
    """The rows of each pair: every pair in ``asked`` first, in that order, even without rows; then the others."""
    groups: dict[Pair, list[ResultRow]] = {pair: [] for pair in asked or {}}
    for row in rows:
        groups.setdefault((row.condition, row.recognizer), []).append(row)
    return groups


def _figures(people_found: dict[str, bool]) -> Figures:
    people, hits = len(people_found), sum(people_found.values())
    return Figures(hits, people, (people - hits) / people if people else None, wilson(people - hits, people))


def _pair(pair: Pair, group: list[ResultRow], people_found: dict[str, bool], asked: dict[Pair, str] | None,
          set_aside: dict[str, dict[str, str]], notes: dict[str, list[str]]) -> PairSummary:
    """An entry's counts, from ``people_found`` (person → re-identified).

    A person counts as re-identified when any of their test photos was (with the usual single test photo, that
    photo); protection rate = people not re-identified / people. Confidence figures are over the identified test
    photos, as the reference study reported them."""
    condition, recognizer = pair
    people = sorted(people_found)
    missed = [p for p in people if not people_found[p]]
    confidences = [r.confidence for r in group if r.outcome == IDENTIFIED and r.confidence is not None]
    aside = set_aside.get(condition, {})
    return PairSummary(
        name=condition, recognizer=recognizer,
        judged=(asked or {}).get(pair) or (group[0].judged if group else ""),  # as asked now: a resumed study's older rows may differ
        people=len(people), reidentified=len(people) - len(missed), protected=len(missed),
        protection_rate=len(missed) / len(people) if people else None,
        confidence=Confidence(min(confidences) if confidences else None,
                              statistics.median(confidences) if confidences else None,
                              max(confidences) if confidences else None),
        outcomes={o: sum(r.outcome == o for r in group) for o in OUTCOMES},
        not_reidentified=missed, set_aside=aside, notes=notes.get(condition, []),
        nobody_judged=None if people else nobody_judged(aside))


def summarize(rows: list[ResultRow], set_aside: dict[str, dict[str, str]] | None = None,
              notes: dict[str, list[str]] | None = None, asked: dict[Pair, str] | None = None) -> dict:
    """A study not judged yet (still running), as its rows' outcomes say: one entry per (condition, tracker),
    every pair in ``asked`` ((condition, tracker) → how it is judged) first, even when nobody could be judged."""
    entries = []
    for pair, group in _groups(rows, asked).items():
        identified: dict[str, bool] = {}
        for r in group:
            identified[r.person] = identified.get(r.person, False) or r.outcome == IDENTIFIED
        entries.append(_pair(pair, group, identified, asked, set_aside or {}, notes or {}))
    return StudySummary(entries).to_json()


def curve(group: list[ResultRow], recognizer: str, scores: Scores, scale: ScoreScale,
          own_threshold: float = 0.5) -> list[CurvePoint]:
    """People re-identified at each FMR of ``CURVE_FMRS`` (the last, 100%, is rank-1)."""
    points = []
    for fmr in CURVE_FMRS:
        point = operating_point(recognizer, scores, fmr, scale, own_threshold)
        if not point.calibrated and fmr < 1:
            continue  # an uncalibrated recognizer has only its rank-1 point
        if not point.calibrated:
            point = replace(point, fmr=1.0, threshold=None)
        points.append(CurvePoint(fmr, point.threshold, sum(found(group, point).values())))
    return points


def evaluate(rows: list[ResultRow], set_aside: dict, notes: dict, scores: Scores, fmr: float,
             scales: dict[str, ScoreScale], own_thresholds: dict[str, float] | None = None,
             asked: dict[Pair, str] | None = None, galleries: dict[Pair, int | None] | None = None,
             ) -> tuple[list[ResultRow], StudySummary, dict[str, OperatingPoint]]:
    """Rows judged at the FMR's operating points, and the summary with every figure: per entry rank-1, the
    operating point, the curve and the test against clean.
    ``scales``: what each tracker's scores are (the trackers' own, or ``scales_of`` the study's files).
    ``asked``: every pair the study asked for, so that none without rows vanishes. ``galleries``: each pair's
    gallery, as the study counted it (None: not given, the entries have no ``gallery``)."""
    own_thresholds = own_thresholds or {}
    recognizers = list(dict.fromkeys([r.recognizer for r in rows] + [name for _, name in asked or {}]))
    scales = {name: scales.get(name, CONFIDENCE) for name in recognizers}
    points = points_for(recognizers, scores, fmr, scales, own_thresholds)
    judged = judge_rows(rows, points)
    groups = _groups(judged, asked)
    entries = []
    for (condition, recognizer), group in groups.items():
        point = points.get(recognizer)
        at_point = found(group, point)
        entry = _pair((condition, recognizer), group, at_point, asked, set_aside, notes)
        entry.rank1 = _figures(found(group, None))
        entry.operating_point = AtPoint(point.record() if point else None, _figures(at_point))
        entry.curve = curve(group, recognizer, scores, scales[recognizer], own_thresholds.get(recognizer, 0.5))
        clean_group = groups.get((CLEAN, recognizer))
        if condition != CLEAN and clean_group:
            entry.versus_clean = VersusClean(*mcnemar(found(clean_group, point), at_point))
        if galleries is not None:
            entry.gallery = galleries.get((condition, recognizer))
        entries.append(entry)
    summary = StudySummary(entries, {name: point.record() for name, point in points.items()}, scales, fmr)
    return judged, summary, points


def restate(rows: list[ResultRow], summary: dict | None, scores_path: Path | str, fmr: float,
            own_thresholds: dict[str, float] | None = None) -> tuple[list[ResultRow], dict]:
    """A finished (or interrupted) study's rows and summary at another FMR, from its files alone; what only the
    saved summary knows (the galleries, the repeats at the study's own FMR, ``finished``) is kept."""
    before = StudySummary.from_json(summary) if summary else StudySummary([])
    set_aside = {e.name: e.set_aside for e in before.conditions}
    notes = {e.name: e.notes for e in before.conditions}
    names = {r.recognizer for r in rows} | {e.recognizer for e in before.conditions}
    judged, fresh, _ = evaluate(rows, set_aside, notes, read_scores(scores_path), fmr,
                                scales_of(names, summary, scores_path), own_thresholds)
    return judged, fresh.kept_from(before).to_json()


def repeat_run(seed: int, entry: PairSummary) -> RepeatRun:
    """The figures one run of a repeated study contributes to its entry's ``repeats``."""
    return RepeatRun(seed, entry.reidentified, entry.people, entry.protection_rate, entry.rank1.reidentified)


def repeat_spread(runs: list[RepeatRun]) -> dict[str, Spread]:
    """Mean, min and max over the runs, of the protection rate and of the people re-identified."""
    found_spread = {key: spread([getattr(run, key) for run in runs]) for key in ("protection_rate", "reidentified")}
    return {key: Spread(**values) for key, values in found_spread.items() if values is not None}
