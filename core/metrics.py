"""What a study's numbers mean: rank-1, an operating point set by a false-match rate, a curve, intervals.

A recognizer's raw scores are not comparable between recognizers (dlib's distance 0.6, faceres's
cosine 0.70, Azure's confidence 0.5 are not equally strict), so a threshold is set the same way for
each: on the study's *clean* enrolment, every clean test photo is compared with every *other*
person (an impostor comparison); the threshold lets through at most the chosen fraction of them
(the false-match rate, FMR). A person is re-identified at that operating point when their best
candidate is themselves *and* its score is strictly better than the threshold. At FMR 100% there is
no threshold at all, which is rank-1: the best guess is the right person.

Every candidate's score of every test photo is kept in ``scores.csv`` in the study folder, so the FMR
can be changed later without running the study again (``restate``).
"""
from __future__ import annotations

import csv
import io
import math
import statistics
from dataclasses import dataclass, replace
from pathlib import Path

from scipy.stats import binomtest

from .catalogue import tracker
from .fmr import CURVE_FMRS, fmr_words
from .results import BELOW_THRESHOLD, ERROR, IDENTIFIED, NO_FACE, WRONG_PERSON, ResultRow, summarize
from .score_scale import CONFIDENCE, ScoreScale

SCORES_FILE = "scores.csv"
SCORE_FIELDS = ["condition", "recognizer", "file", "person", "candidate", "score", "score_kind", "higher_is_better"]
OLD_SCORE_FIELDS = SCORE_FIELDS[:6]  # before the score's kind and direction were written with it (December 2026)
CLEAN = "none"
CALIBRATION = "clean calibration"  # scores of the extra clean enrolment made when a study has no `none`


# -- scores of every candidate ------------------------------------------------------------------------------


class ScoreLog:
    """Appends every candidate's score of each identified test photo to ``scores.csv``.

    Appended, not rewritten: a resumed study may write a photo twice; reading keeps the last.
    """

    def __init__(self, out: Path):
        self.path = Path(out) / SCORES_FILE

    def add(self, condition: str, recognizer: str, file: str, person: str, candidates, scale: ScoreScale) -> None:
        """``scale``: what the tracker's scores are; its kind and direction go on every line, so the file is read
        without knowing the tracker."""
        size = self.path.stat().st_size if self.path.exists() else 0
        old = bool(size) and _header(self.path) == OLD_SCORE_FIELDS  # a study begun before: its lines stay alike
        buf = io.StringIO()
        if size:
            with self.path.open("rb") as fh:
                fh.seek(size - 1)
                if fh.read(1) != b"\n":
                    buf.write("\n")  # a line cut short by a killed run stays on its own (and is skipped)
        writer = csv.writer(buf, lineterminator="\n")
        if not size:
            writer.writerow(SCORE_FIELDS)
        writer.writerows(score_lines(condition, recognizer, file, person, [(c.person, c.score) for c in candidates],
                                     None if old else scale))
        with self.path.open("a", encoding="utf-8", newline="") as fh:
            fh.write(buf.getvalue())

    def has(self, condition: str, recognizer: str) -> set[str]:
        """Files already scored for this condition and recognizer."""
        return set(read_scores(self.path).get((condition, recognizer), {}))


def score_lines(condition: str, recognizer: str, file: str, person: str, scored, scale: ScoreScale | None):
    """``scores.csv``'s lines of one test photo: (candidate, score) pairs, with the scale's kind and direction
    (``scale`` None: a file begun before they were written)."""
    for candidate, score in scored:
        line = [condition, recognizer, file, person, candidate, repr(float(score))]
        yield line if scale is None else line + [scale.kind, "yes" if scale.higher_is_better else "no"]


def _header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh), [])


def written_scales(path: Path | str) -> dict[str, ScoreScale]:
    """Each tracker's score kind and direction as ``scores.csv`` states them (no confidence mapping: that is in
    ``summary.json``); empty for a file written before they were."""
    path, found = Path(path), {}
    if not path.exists():
        return found
    with path.open(newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            if raw.get("recognizer") and raw.get("score_kind") and raw["recognizer"] not in found:
                found[raw["recognizer"]] = ScoreScale(raw["score_kind"], raw.get("higher_is_better") == "yes",
                                                      confidence_at=())
    return found


def scales_of(recognizers, summary: dict | None, scores_path: Path | str) -> dict[str, ScoreScale]:
    """What each tracker's scores are, read from the study's own files: ``summary.json``'s ``score_scales``,
    else ``scores.csv``'s columns; only a study written before either (December 2026) asks the catalogue."""
    saved = {name: ScoreScale.from_json(data) for name, data in (summary or {}).get("score_scales", {}).items()}
    written = written_scales(scores_path)
    scales = {}
    for name in recognizers:
        scale = saved.get(name) or written.get(name)
        if scale is None:
            try:
                scale = tracker(name).scale()
            except ValueError:  # a tracker this program no longer knows, in a study that did not say
                scale = CONFIDENCE
        scales[name] = scale
    return scales


Scores = dict[tuple[str, str], dict[str, tuple[str, dict[str, float]]]]  # (condition, recognizer) -> file -> (person, candidate -> score)


def read_scores(path: Path | str) -> Scores:
    """``scores.csv`` as (condition, recognizer) → test photo → (person, candidate → score).

    A line cut short by a killed run is skipped; a photo written again replaces the earlier one."""
    path = Path(path)
    scores: Scores = {}
    if not path.exists():
        return scores
    last = None
    with path.open(newline="", encoding="utf-8") as fh:
        for raw in csv.DictReader(fh):
            try:
                score = float(raw["score"])
                key, file, person, candidate = (raw["condition"], raw["recognizer"]), raw["file"], raw["person"], raw["candidate"]
            except (KeyError, TypeError, ValueError):
                continue
            photos = scores.setdefault(key, {})
            if (key, file) != last:  # a photo's candidates are written together; a later block replaces it
                photos[file] = (person, {})
                last = (key, file)
            photos[file][1][candidate] = score
    return scores


# -- the operating point ----------------------------------------------------------------------------------


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

    def to_json(self) -> dict:
        mark = None
        if self.threshold is not None and (not self.calibrated or self.scale.is_confidence):
            mark = self.threshold
        elif self.threshold is not None and self.scale.confidence_at:
            mark = self.scale.confidence(self.threshold)
        return {"fmr": self.fmr, "threshold": self.threshold, "score": self.score,
                "impostor_comparisons": self.impostor_comparisons, "calibrated": self.calibrated,
                "threshold_confidence": mark}


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


# -- rows and people -------------------------------------------------------------------------------------


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


def wilson(k: int, n: int) -> list[float] | None:
    """95% Wilson score interval of k out of n (None for n = 0)."""
    if n <= 0:
        return None
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def mcnemar(clean: dict[str, bool], other: dict[str, bool]) -> tuple[int, float]:
    """Exact McNemar test on the people judged in both: (people whose outcome changed, two-sided p)."""
    common = clean.keys() & other.keys()
    lost = sum(clean[p] and not other[p] for p in common)
    gained = sum(other[p] and not clean[p] for p in common)
    changed = lost + gained
    return changed, (1.0 if changed == 0 else float(binomtest(lost, changed, 0.5).pvalue))


def _found(group: list[ResultRow], point: OperatingPoint | None) -> dict[str, bool]:
    """Person → re-identified (any of their test photos)."""
    found: dict[str, bool] = {}
    for r in group:
        hit = bool(r.predicted) and r.predicted == r.person and r.outcome not in (NO_FACE, ERROR)
        if point is not None:
            hit = hit and point.passes(r)
        found[r.person] = found.get(r.person, False) or hit
    return found


def _figures(found: dict[str, bool]) -> dict:
    people = len(found)
    hits = sum(found.values())
    return {"reidentified": hits, "people": people,
            "protection_rate": (people - hits) / people if people else None, "ci95": wilson(people - hits, people)}


def curve(group: list[ResultRow], recognizer: str, scores: Scores, scale: ScoreScale,
          own_threshold: float = 0.5) -> list[dict]:
    """People re-identified at each FMR of ``CURVE_FMRS`` (the last, 100%, is rank-1)."""
    points = []
    for fmr in CURVE_FMRS:
        point = operating_point(recognizer, scores, fmr, scale, own_threshold)
        if not point.calibrated and fmr < 1:
            continue  # an uncalibrated recognizer has only its rank-1 point
        if not point.calibrated:
            point = replace(point, fmr=1.0, threshold=None)
        points.append({"fmr": fmr, "threshold": point.threshold, "reidentified": sum(_found(group, point).values())})
    return points


def extend_summary(summary: dict, rows: list[ResultRow], scores: Scores, points: dict[str, OperatingPoint],
                   scales: dict[str, ScoreScale], own_thresholds: dict[str, float] | None = None) -> dict:
    """Add rank-1, the operating point, the curve and the comparison with clean to every entry.

    ``rows`` must already be judged at ``points`` (``judge_rows``), so the entry's ``reidentified`` and
    ``protection_rate`` are the operating point's."""
    own_thresholds = own_thresholds or {}
    groups: dict[tuple[str, str], list[ResultRow]] = {}
    for r in rows:
        groups.setdefault((r.condition, r.recognizer), []).append(r)
    for entry in summary.get("conditions", []):
        group = groups.get((entry["name"], entry["recognizer"]), [])
        point = points.get(entry["recognizer"])
        entry["rank1"] = _figures(_found(group, None))
        found = _found(group, point)
        entry["operating_point"] = {**(point.to_json() if point else {}), **_figures(found)}
        entry["protection_rate"] = entry["operating_point"]["protection_rate"]
        entry["curve"] = curve(group, entry["recognizer"], scores, scales[entry["recognizer"]],
                               own_thresholds.get(entry["recognizer"], 0.5))
        entry.pop("versus_clean", None)
        clean_group = groups.get((CLEAN, entry["recognizer"]))
        if entry["name"] != CLEAN and clean_group:
            changed, p = mcnemar(_found(clean_group, point), found)
            entry["versus_clean"] = {"changed_people": changed, "p_value": p}
    summary["operating_points"] = {name: point.to_json() for name, point in points.items()}
    summary["score_scales"] = {name: scale.to_json() for name, scale in scales.items()}
    return summary


def points_for(recognizers, scores: Scores, fmr: float, scales: dict[str, ScoreScale],
               own_thresholds: dict[str, float] | None = None) -> dict[str, OperatingPoint]:
    own_thresholds = own_thresholds or {}
    return {name: operating_point(name, scores, fmr, scales[name], own_thresholds.get(name, 0.5)) for name in recognizers}


def evaluate(rows: list[ResultRow], set_aside: dict, notes: dict, scores: Scores, fmr: float,
             scales: dict[str, ScoreScale], own_thresholds: dict[str, float] | None = None,
             asked: dict[tuple[str, str], str] | None = None) -> tuple[list[ResultRow], dict, dict[str, OperatingPoint]]:
    """Rows judged at the FMR's operating points, and the summary with every figure of this module.
    ``scales``: what each tracker's scores are (the trackers' own, or ``scales_of`` the study's files).
    ``asked``: every (condition, recognizer) the study asked for, so that none without rows vanishes."""
    recognizers = list(dict.fromkeys([r.recognizer for r in rows] + [name for _, name in asked or {}]))
    scales = {name: scales.get(name, CONFIDENCE) for name in recognizers}
    points = points_for(recognizers, scores, fmr, scales, own_thresholds)
    judged = judge_rows(rows, points)
    summary = summarize(judged, set_aside, notes, asked)
    extend_summary(summary, judged, scores, points, scales, own_thresholds)
    summary["fmr"] = fmr
    return judged, summary, points


def restate(rows: list[ResultRow], summary: dict | None, scores_path: Path | str, fmr: float,
            own_thresholds: dict[str, float] | None = None) -> tuple[list[ResultRow], dict]:
    """A finished (or interrupted) study's rows and summary at another FMR, from its files alone."""
    old = {(e["name"], e["recognizer"]): e for e in (summary or {}).get("conditions", [])}
    set_aside = {e["name"]: e.get("set_aside", {}) for e in old.values()}
    notes = {e["name"]: e.get("notes", []) for e in old.values()}
    names = {r.recognizer for r in rows} | {e["recognizer"] for e in old.values()}
    judged, fresh, _ = evaluate(rows, set_aside, notes, read_scores(scores_path), fmr,
                                scales_of(names, summary, scores_path), own_thresholds)
    for entry in fresh["conditions"]:
        before = old.get((entry["name"], entry["recognizer"]), {})
        for key, value in before.items():  # the gallery, the repeats (at the study's own FMR), ...
            entry.setdefault(key, value)
    made = {(e["name"], e["recognizer"]): e for e in fresh["conditions"]}
    if old:  # the saved order, and entries without rows (a condition nobody could be counted in) kept as they were
        fresh["conditions"] = [made.pop(key, entry) for key, entry in old.items()] + list(made.values())
    if summary:
        for key, value in summary.items():
            fresh.setdefault(key, value)  # finished, and whatever else the study recorded
    return judged, fresh


# -- words -----------------------------------------------------------------------------------------------


def percent_with_interval(rate: float, ci: list[float] | None) -> str:
    """0.45, [0.30, 0.61] → "45% (30–61%)"."""
    text = f"{rate:.1%}".replace(".0%", "%")
    if ci:
        text += f" ({ci[0]:.0%}–{ci[1]:.0%})".replace("%–", "–")
    return text


def p_words(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def closing_line(entry: dict) -> str:
    """One condition × recognizer in plain words, as the CLI ends."""
    from .figures import short_condition

    rank1, op = entry["rank1"], entry["operating_point"]
    where = (f"at {fmr_words(op.get('fmr'))}" if op.get("calibrated")
             else f"at its own confidence {op.get('threshold', 0.5):g} (not calibrated: no clean condition)")
    line = (f"{short_condition(entry['name'])} · {entry['recognizer']} ({entry['judged']}): best guess still right for "
            f"{rank1['reidentified']} of {rank1['people']}; {where}, re-identified {op['reidentified']} of "
            f"{op['people']} — protected {percent_with_interval(op['protection_rate'], op['ci95'])}")
    if "versus_clean" in entry:
        line += f"; different from clean: {p_words(entry['versus_clean']['p_value'])}"
    if entry.get("gallery") is not None and entry["gallery"] > entry["people"]:
        line += f"; gallery of {entry['gallery']} people"  # distractors: more people to be mistaken for
    return line


def repeat_figures(entry: dict) -> dict:
    """The figures one run of a repeated study contributes to the summary's ``repeats``."""
    return {"reidentified": entry["reidentified"], "people": entry["people"], "protection_rate": entry["protection_rate"],
            "rank1_reidentified": entry["rank1"]["reidentified"]}


def repeat_spread(runs: list[dict]) -> dict:
    """Mean, min and max over the runs of a repeated study, of the protection rate and of the people re-identified."""
    spread = {}
    for key in ("protection_rate", "reidentified"):
        values = [r[key] for r in runs if r[key] is not None]  # a run where nobody could be judged has no rate
        if values:
            spread[key] = {"mean": statistics.fmean(values), "min": min(values), "max": max(values)}
    return spread
