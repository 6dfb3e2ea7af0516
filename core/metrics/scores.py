"""Every candidate's score of every test photo, in the study folder's ``scores.csv``, and what the scores are.

Kept so that the operating point can be moved later without running the study again (``core.metrics.build``'s
``restate``); each line says the score's kind and direction, so the file is read without knowing the tracker.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from ..recognizers.registry import recognizer_class
from ..score_scale import CONFIDENCE, ScoreScale

SCORES_FILE = "scores.csv"
SCORE_FIELDS = ["condition", "recognizer", "file", "person", "candidate", "score", "score_kind", "higher_is_better"]
OLD_SCORE_FIELDS = SCORE_FIELDS[:6]  # before the score's kind and direction were written with it (December 2026)
CLEAN = "none"
CALIBRATION = "clean calibration"  # scores of the extra clean enrolment made when a study has no `none`


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
                scale = recognizer_class(name).scale
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
