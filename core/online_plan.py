"""What a study or a "Check my own photos" will ask of each online tracker, worked out before any photo leaves the
computer: how many people and photos each run enrols and identifies, how many runs, and each service's plan
(calls, time, uploads, cost) over all of them, counting a crowd once where the tracker keeps it between runs.

The window asks its question from this; nothing here talks to a service (constructing a tracker only reads its
settings and the keyring).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path

from .catalogue import tracker
from .datasets import open_dataset
from .recognizers.registry import recognizer_class
from .repeats import seeded_conditions
from .split import Split, make_split


@dataclass(frozen=True)
class Counts:
    """What one run enrols and identifies (the crowd's people and photos among them), how many runs there are
    (one per condition, and per repeat), and in how many separate studies (each repeat is a study of its own, and
    sends its crowd afresh)."""

    people: int
    training_photos: int
    test_photos: int
    runs: int = 1
    crowd_people: int = 0
    crowd_photos: int = 0
    studies: int = 1


def online(names: list[str]) -> list[str]:
    return [name for name in names if tracker(name).online]


def study_counts(config, split: Split | None = None) -> Counts:
    """A study's counts: the split's people and photos (the one given, else the one saved in the study folder,
    else made now as the study will), the crowd, once per condition and again for each repeat of the conditions
    that depend on the seed."""
    if split is None:
        saved = Path(config.out) / "split.json"
        split = Split.load(saved) if saved.exists() else make_split(open_dataset(config.dataset, check_images=False),
                                                                   config.split, config.seed)
    crowd_people = crowd_photos = 0
    if config.distractors:
        crowd = open_dataset(Path(config.distractors), check_images=False)
        crowd_people, crowd_photos = len(crowd.people()), len(crowd.photos)
    seeded = seeded_conditions(config)
    repeats = config.repeat - 1 if seeded else 0
    runs = len(config.conditions) + repeats * len(seeded)
    return Counts(len(split.people) + crowd_people, split.training_photos + crowd_photos, split.test_photos,
                  max(runs, 1), crowd_people, crowd_photos, 1 + repeats)


def self_check_counts(usable_photos: int, crowd: Path, conditions: int, two_tests_from: int) -> Counts:
    """"Check my own photos": the crowd plus you, enrolled for each condition, with one photo of yours kept to test
    with (two from ``two_tests_from`` usable photos)."""
    people = open_dataset(crowd, check_images=False)
    tests = 2 if usable_photos >= two_tests_from else 1
    crowd_people, crowd_photos = len(people.people()), len(people.photos)
    return Counts(crowd_people + 1, crowd_photos + usable_photos - tests, tests, conditions, crowd_people, crowd_photos)


def plan_for(name: str, options: dict, counts: Counts):
    """The tracker's plan over every run (None where it has none), or the exception saying why it cannot be set up
    (a missing key, region or endpoint): the caller shows that reason instead of the question."""
    try:
        with recognizer_class(name)(**options) as recognizer:
            return total_plan(recognizer, counts)
    except Exception as exc:  # noqa: BLE001 - each backend says in words what is missing
        return exc


def total_plan(recognizer, counts: Counts):
    """``counts.runs`` runs of ``recognizer``: a tracker that keeps its crowd between runs sends it in the first run
    of each study only."""
    args = (counts.people, counts.training_photos, counts.test_photos)
    if not getattr(recognizer, "keeps_crowd", False):
        return scaled(recognizer.plan(*args), counts.runs)
    crowd = (counts.crowd_people, counts.crowd_photos)
    first = scaled(recognizer.plan(*args, *crowd), counts.studies)
    if counts.runs <= counts.studies or first is None:
        return first
    later = scaled(recognizer.plan(*args, *crowd, crowd_sent_before=True), counts.runs - counts.studies)
    return replace(first, **{f: getattr(first, f) + getattr(later, f) for f in _ADDED
                             if getattr(first, f) is not None and getattr(later, f) is not None})


_ADDED = ("calls", "seconds", "uploads", "cost")


def scaled(plan, runs: int):
    """A run's plan times ``runs`` (its calls, time, photos and cost)."""
    if runs == 1 or plan is None:
        return plan
    names = {f.name for f in fields(plan)}
    return replace(plan, **{f: getattr(plan, f) * runs for f in _ADDED if f in names and getattr(plan, f) is not None})
