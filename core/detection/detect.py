"""Training and testing a cloak detector on labelled photos (``samples``): features from each photo alone,
out-of-fold scores, the measures, in the scoring format and, as a warning, on the files as saved. The run in
the scoring format is kept (``DetectorRun``) so that a screening tracker can flag photos with the model that
never saw their person."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import numpy as np

from ..images import UnusableImage
from ..jobs import NO_JOB, Job
from ..torch_threads import MACHINE_THREADS, torch_threads
from .crossval import MODEL_WORDS, CrossValidated, TooFewToCrossValidate, cross_validate
from .features import DEFAULT_FAMILIES, FAMILY_WORDS, photo_features
from .formats import AS_SAVED, COMPARED, FORMAT_WORDS
from .measures import BOOTSTRAP_RESAMPLES, auc, bootstrap_interval, caught_share, flag_threshold
from .result import CloakDetection
from .samples import Sample

STAGE = "Could a tracker spot the cloaks?"


@dataclass
class DetectorRun:
    """The cross-validated detector in one format: who was scored, their scores, and the flagging line."""

    samples: list[Sample]
    validated: CrossValidated
    threshold: float  # flagged: a score above it (1 in 20 clean photos are)
    fmt: str
    families: tuple[str, ...]

    def score(self, path: Path, group: str) -> float:
        """``path`` scored by the fold's detector that never saw ``group`` (any fold's for a group it never saw)."""
        model = self.validated.models[self.validated.fold_of.get(group, 0)]
        return float(model.decision_function(photo_features(path, self.fmt, self.families)[None])[0])

    def flagged(self, path: Path, group: str) -> bool:
        """A photo the detector cannot score (no face found) is not flagged: the tracker then tries to enrol it,
        and its own refusal names the photo and why."""
        try:
            return self.score(path, group) > self.threshold
        except UnusableImage:
            return False


def _features_or_problem(sample: Sample, fmt: str, families) -> np.ndarray | UnusableImage:
    try:
        return photo_features(sample.path, fmt, families)
    except UnusableImage as exc:
        return exc


def _features(samples: list[Sample], fmt: str, families, job: Job, label: str,
              skipped: list[str]) -> tuple[list[Sample], np.ndarray]:
    """Every sample's features, a photo a core at once (decoding, re-encoding and the residual's filters let go of
    the interpreter; the network runs on one thread each, so its sums are the same however the photos are shared
    out), in the samples' order."""
    kept, rows = [], []
    with torch_threads(1), ThreadPoolExecutor(MACHINE_THREADS) as pool:
        found = pool.map(_features_or_problem, samples, repeat(fmt), repeat(families))
        try:
            for i, (sample, features) in enumerate(zip(samples, found)):
                job.step(STAGE, i, len(samples), f"{label}: {Path(sample.path).name}")
                if isinstance(features, UnusableImage):
                    if fmt == COMPARED:
                        skipped.append(f"{'cloaked' if sample.cloaked else 'clean'} photo {features}")
                    continue
                rows.append(features)
                kept.append(sample)
        except BaseException:  # a cancel: the photos not yet started are not started
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    job.step(STAGE, len(samples), len(samples), label)
    return kept, np.array(rows) if rows else np.zeros((0, 0))


def run_detector(samples: list[Sample], fmt: str, seed: int, families=DEFAULT_FAMILIES, job: Job = NO_JOB,
                 label: str = "", skipped: list[str] | None = None) -> DetectorRun:
    """Cross-validate in ``fmt``; raises ``TooFewToCrossValidate`` when the photos cannot be split by person."""
    kept, features = _features(samples, fmt, families, job, label, [] if skipped is None else skipped)
    cloaked = np.array([s.cloaked for s in kept], bool)
    validated = cross_validate(features, cloaked, [s.group for s in kept], seed)
    return DetectorRun(kept, validated, flag_threshold(validated.scores[~cloaked]), fmt, tuple(families))


def detect_cloaks(condition: str, samples: list[Sample], seed: int = 0, families=DEFAULT_FAMILIES,
                  job: Job = NO_JOB, as_saved: bool = True, groups_are: str = "people"
                  ) -> tuple[CloakDetection, DetectorRun | None]:
    """The detector's figures for ``condition`` (scoring format first, then the files as saved when
    ``as_saved``), and the scoring-format run; the run is None when it could not be cross-validated.
    ``groups_are``: what the samples' groups are, in words, for the interval's description."""
    result = CloakDetection(condition, features="; ".join(FAMILY_WORDS[f] for f in families), model=MODEL_WORDS,
                            interval=f"bootstrap over {groups_are}, {BOOTSTRAP_RESAMPLES} resamples with seed {seed}, "
                                     "2.5th–97.5th percentile", seed=seed)
    try:
        run = run_detector(samples, COMPARED, seed, families, job, f"{condition} ({FORMAT_WORDS[COMPARED]})",
                           result.skipped)
    except TooFewToCrossValidate as exc:
        result.reason = str(exc)
        return result, None
    _fill(result, run, seed)
    if as_saved:
        try:
            raw = run_detector(samples, AS_SAVED, seed, families, job, f"{condition} (as saved)")
            result.as_saved_auc = auc(raw.validated.scores, _cloaked(raw))
            interval = bootstrap_interval(raw.validated.scores, _cloaked(raw), _groups(raw), seed)
            result.as_saved_ci95 = _rounded(interval)
        except TooFewToCrossValidate:
            pass
    result.as_saved_auc = None if result.as_saved_auc is None else round(result.as_saved_auc, 4)
    return result, run


def _cloaked(run: DetectorRun) -> np.ndarray:
    return np.array([s.cloaked for s in run.samples], bool)


def _groups(run: DetectorRun) -> list[str]:
    return [s.group for s in run.samples]


def _rounded(interval) -> list[float] | None:
    return None if interval is None else [round(interval[0], 4), round(interval[1], 4)]


def _fill(result: CloakDetection, run: DetectorRun, seed: int) -> None:
    cloaked, scores = _cloaked(run), run.validated.scores
    value = auc(scores, cloaked)
    result.auc = None if value is None else round(value, 4)
    result.auc_ci95 = _rounded(bootstrap_interval(scores, cloaked, _groups(run), seed))
    caught = caught_share(scores, cloaked)
    result.caught_at_1_in_20 = None if caught is None else round(caught, 4)
    result.cloaked_photos, result.clean_photos = int(cloaked.sum()), int((~cloaked).sum())
    result.groups, result.folds = len(set(_groups(run))), len(run.validated.models)
