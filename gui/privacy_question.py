"""Before any photo leaves the computer: a question naming the company that will receive it and what the run
will cost (calls, time, money, from each recognizer's own ``plan``). Nothing is sent unless the user says Yes.

Used by the study (``MainWindow.run_study``) and by "Check my own photos". Working out the plan constructs each
online recognizer, which only reads its settings and the keyring (no call to the service), off the GUI thread.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QMessageBox

from core.catalogue import tracker

from .errors import plain_reason
from .names import APP_NAME
from .worker import Task, run_task

QUESTION = "privacyQuestion"  # the question's object name (tests find it by it)
NOT_READY = "serviceNotReady"


@dataclass(frozen=True)
class Counts:
    """What one run enrols and identifies, and how many runs there are (one per condition, and repeats)."""

    people: int
    training_photos: int
    test_photos: int
    runs: int = 1


def online(names: list[str]) -> list[str]:
    return [name for name in names if tracker(name).online]


def ask_before_sending(parent, names: list[str], options: dict[str, dict], counts: Callable[[], Counts],
                       proceed: Callable[[], None]) -> Task | None:
    """``proceed()`` at once when every tracker in ``names`` runs on this computer; else, once the plans are
    worked out (``counts`` runs in a worker thread: it may look at a folder), only if the user says Yes."""
    services = online(names)
    if not services:
        proceed()
        return None
    wanted = {name: dict(options.get(name, {})) for name in services}

    def work(job):
        counted = counts()
        return counted, {name: _plan(name, wanted[name], counted) for name in services}

    return run_task(parent, work, "working out what the online services will cost",
                    success=lambda result: _ask(parent, *result, proceed))


def _plan(name: str, options: dict, counts: Counts):
    """The recognizer's plan for one run, or the reason it cannot be set up (a missing key, region, endpoint)."""
    from core.recognizers.registry import recognizer_class

    try:
        with recognizer_class(name)(**options) as recognizer:
            return recognizer.plan(counts.people, counts.training_photos, counts.test_photos)
    except Exception as exc:  # noqa: BLE001 - each backend says in words what is missing
        return exc


def scaled(plan, runs: int):
    """A run's plan times ``runs`` (its calls, time, photos and cost), worded by the plan itself."""
    if runs == 1 or plan is None:
        return plan
    names = {f.name for f in fields(plan)}
    return replace(plan, **{f: getattr(plan, f) * runs for f in ("calls", "seconds", "uploads", "cost")
                            if f in names and getattr(plan, f) is not None})


def _ask(parent, counts: Counts, plans: dict, proceed: Callable[[], None]) -> None:
    problems = {name: plan for name, plan in plans.items() if isinstance(plan, BaseException)}
    if problems:
        lines = [f"{_service(name)}: {plain_reason(exc)}" for name, exc in problems.items()]
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, "An online service you ticked is not set up, so nothing "
                          "was sent.", QMessageBox.StandardButton.Ok, parent)
        box.setInformativeText("\n\n".join(lines) + "\n\nSet it up on the Recognition tab, or untick it.")
        box.setObjectName(NOT_READY)
        box.open()
        return
    companies = list(dict.fromkeys(tracker(name).company or _service(name) for name in plans))
    runs = f"in {counts.runs} runs (one per condition and repeat)" if counts.runs > 1 else "in one run"
    lines = []
    for name, plan in plans.items():
        plan = scaled(plan, counts.runs)
        lines.append(f"• {_service(name)}, {runs}: {plan}." if plan is not None else f"• {_service(name)}.")
    box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                      f"Your photos will be sent to {' and '.join(companies)}. Send them?",
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, parent)
    box.setInformativeText(
        f"{counts.people} people, {counts.training_photos} training and {counts.test_photos} test photos a run.\n\n"
        + "\n".join(lines)
        + "\n\nThe photos leave this computer. The app deletes what it stored on the service when the run ends "
          "(or lists it on the Recognition tab if a run is interrupted); what the company keeps besides is up to "
          "its own terms.")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setObjectName(QUESTION)
    yes = box.button(QMessageBox.StandardButton.Yes)
    box.buttonClicked.connect(lambda button: proceed() if button is yes else None)
    box.open()


def _service(name: str) -> str:
    entry = tracker(name)
    return entry.service or name


def study_counts(split, config) -> Callable[[], Counts]:
    """A study's counts: the split's people and photos (plus the crowd of distractors), once per condition, and
    again for each repeat of the conditions that depend on the seed."""
    people, training, tests = len(split.people), split.training_photos, split.test_photos

    def count() -> Counts:
        from core.repeats import seeded_conditions

        extra_people = extra_photos = 0
        if config.distractors:
            from core.datasets import open_dataset

            crowd = open_dataset(Path(config.distractors), check_images=False)
            extra_people, extra_photos = len(crowd.people()), len(crowd.photos)
        runs = len(config.conditions) + (config.repeat - 1) * len(seeded_conditions(config))
        return Counts(people + extra_people, training + extra_photos, tests, max(runs, 1))

    return count


def self_check_counts(usable_photos: int, crowd: Path, conditions: int) -> Callable[[], Counts]:
    """"Check my own photos": the crowd plus you, enrolled again for each condition (a service's gallery
    cannot drop one person), with one or two of your photos kept to test with."""
    def count() -> Counts:
        from core.datasets import open_dataset
        from core.self_check import TWO_TESTS_FROM

        people = open_dataset(crowd, check_images=False)
        tests = 2 if usable_photos >= TWO_TESTS_FROM else 1
        return Counts(len(people.people()) + 1, len(people.photos) + usable_photos - tests, tests, conditions)

    return count
