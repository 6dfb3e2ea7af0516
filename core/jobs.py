"""Progress and cancellation: one mechanism shared by every long job.

A core function that takes a while accepts a ``Job``. It calls ``job.step(...)`` after each unit of
work (a photo, an optimisation step); that reports progress and is also the point where a cancel
requested from another thread takes effect, by raising ``Cancelled``. The GUI and the command line
only differ in what they do with the reports.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable


class Cancelled(Exception):
    """The user asked to stop; whatever was finished before has been kept."""


@dataclass(frozen=True)
class Progress:
    stage: str  # plain words: "Enrolling training photos", "Cloaking 01-1m.jpg", ...
    done: int
    total: int
    message: str = ""
    seconds_left: float | None = None

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 0.0


class Job:
    def __init__(self, on_progress: Callable[[Progress], None] | None = None):
        self._on_progress = on_progress
        self._cancel = threading.Event()
        self._stage_started: dict[str, float] = {}
        # (stage, done, total) -> seconds left of the whole job from a measured speed, or None; without
        # it (or when it gives None) the time left is extrapolated from the stage's elapsed time
        self.time_left: Callable[[str, int, int], float | None] | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def step(self, stage: str, done: int, total: int, message: str = "") -> None:
        """Report progress within ``stage`` and stop here if cancel was requested."""
        self.check()
        if self._on_progress is None:
            return
        now = time.monotonic()
        started = self._stage_started.setdefault(stage, now)
        left = self.time_left(stage, done, total) if self.time_left else None
        if left is None and 0 < done < total:
            left = (now - started) / done * (total - done)
        self._on_progress(Progress(stage, done, total, message, left))

    def note(self, message: str) -> None:
        """A one-line remark for the log (a skipped photo, a wait for the server)."""
        if self._on_progress is not None:
            self._on_progress(Progress("note", 0, 0, message))


NO_JOB = Job()
