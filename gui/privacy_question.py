"""Before any photo leaves the computer: a question naming the company that will receive it and what the run
will cost (calls, time, money, from each recognizer's own ``plan``). Nothing is sent unless the user says Yes.

Used by the study (``MainWindow.run_study``) and by "Check my own photos". Working out the plan constructs each
online recognizer, which only reads its settings and the keyring (no call to the service), off the GUI thread.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtWidgets import QMessageBox

from core.catalogue import tracker
from core.online_plan import Counts, online, plan_for
from core.online_plan import self_check_counts as core_self_check_counts
from core.online_plan import study_counts as core_study_counts

from .errors import plain_reason
from .names import APP_NAME
from .worker import Task, run_task

QUESTION = "privacyQuestion"  # the question's object name (tests find it by it)
NOT_READY = "serviceNotReady"


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
        return counted, {name: plan_for(name, wanted[name], counted) for name in services}

    return run_task(parent, work, "working out what the online services will cost",
                    success=lambda result: _ask(parent, *result, proceed))


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
    """A study's counts, worked out in the worker (``core.online_plan``): ``split`` None reads or makes it there."""
    return lambda: core_study_counts(config, split)


def self_check_counts(usable_photos: int, crowd: Path, conditions: int) -> Callable[[], Counts]:
    """"Check my own photos": the crowd plus you, enrolled for each condition."""
    from core.self_check import TWO_TESTS_FROM

    return lambda: core_self_check_counts(usable_photos, crowd, conditions, TWO_TESTS_FROM)
