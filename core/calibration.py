"""The clean enrolment every operating point is calibrated on, where the study did not run one itself, and each
tracker's own line where there is none to calibrate on.

A study without the ``none`` condition still needs each local recognizer's impostor scores on clean
photos (core.metrics.operating_point): the split's clean training photos are enrolled once more and every clean
test photo is scored against every person, into ``scores.csv`` under ``clean calibration``. No
result row comes of it. Faces found before are remembered (core.faces), so this costs the
descriptors only. Azure is not calibrated this way: it would cost a whole remote enrolment.
"""
from __future__ import annotations

from .gallery import enrol_distractors
from .images import UnusableImage
from .jobs import NO_JOB, Job
from .metrics.scores import CALIBRATION, CLEAN, ScoreLog
from .recognizers.registry import is_local, make_recognizer, recognizer_class

AZURE_MOST_CANDIDATES = 100  # the most candidates Azure's identify returns


def own_threshold(recognizer: str, options: dict | None) -> float:
    """A tracker's own confidence line, used where it is not calibrated (an online tracker without the clean
    condition, "Check my own photos"): the one the user set in its ``options``, else the tracker's own default
    (Azure 0.5, Rekognition's similarity 80)."""
    return float((options or {}).get(recognizer, {}).get("threshold", recognizer_class(recognizer).threshold))


def own_thresholds(config) -> dict[str, float]:
    """``own_threshold`` of each of a study's (or a self-check's) trackers, by name."""
    return {name: own_threshold(name, config.recognizer_options) for name in config.recognizers}


def ask_for_every_candidate(recognizer, people: int) -> None:
    """A recognizer that returns only its best few candidates (Azure) is asked for all of them, so the
    clean condition's impostor scores are complete enough to calibrate on."""
    if hasattr(recognizer, "max_candidates"):
        recognizer.max_candidates = max(recognizer.max_candidates, min(people, AZURE_MOST_CANDIDATES))


def ensure_clean_scores(config, dataset, split, log: ScoreLog, job: Job = NO_JOB, distractors=None) -> None:
    """Score the clean test photos against the clean enrolment (with the study's distractors, so the gallery
    is the one the study uses) for each local recognizer that lacks it."""
    if CLEAN in config.conditions:
        return  # the `none` condition's own scores are the calibration
    tests = [(p, f) for p in split.people for f in split.test[p]]
    for name in config.recognizers:
        if not is_local(name):
            continue
        done = log.has(CALIBRATION, name)
        todo = [(p, f) for p, f in tests if f not in done]
        if not todo:
            continue
        stage = f"Clean enrolment for the operating point ({name})"
        photos = [(p, dataset.root / f) for p in split.people for f in split.train[p]]
        others = distractors.people if distractors is not None else {}
        recognizer = make_recognizer(name, job=job, **config.recognizer_options.get(name, {}))
        with recognizer:
            recognizer.expect([photo for _, photo in photos] + [photo for own in others.values() for photo in own])
            for i, (person, photo) in enumerate(photos):
                job.step(stage, i, len(photos) + len(todo), photo.name)
                try:
                    recognizer.enrol(person, photo)
                except UnusableImage:
                    pass  # the study's notes already say which photos cannot be used
            enrol_distractors(recognizer, others, stage, job)
            try:
                recognizer.train(job)
            except RuntimeError as exc:
                job.note(f"{name}: no clean calibration ({exc})")
                continue
            recognizer.expect([dataset.root / f for _, f in todo])
            for i, (person, relative) in enumerate(todo):
                job.step(stage, len(photos) + i, len(photos) + len(todo), relative)
                try:
                    candidates = recognizer.identify(dataset.root / relative)
                except UnusableImage:
                    continue
                log.add(CALIBRATION, name, relative, person, candidates, recognizer.scale)
            job.step(stage, len(photos) + len(todo), len(photos) + len(todo))
