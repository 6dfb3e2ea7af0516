"""Progress on a terminal: what ``main.py study`` and ``main.py cloak`` print while they work."""
from __future__ import annotations

import sys
import time

from .jobs import Progress


class ProgressPrinter:
    """Prints progress lines to stderr: every note, and each stage at most twice a second."""

    def __init__(self, stream=None, interval: float = 0.5):
        self.stream, self.interval = stream or sys.stderr, interval  # stderr as it is now (it may be redirected)
        self._last: dict[str, float] = {}

    def __call__(self, p: Progress) -> None:
        if p.stage == "note":
            print(f"  note: {p.message}", file=self.stream, flush=True)
            return
        now = time.monotonic()
        finished = p.done >= p.total
        if not finished and now - self._last.get(p.stage, 0.0) < self.interval:
            return
        self._last[p.stage] = now
        left = f", about {p.seconds_left:.0f} s left" if p.seconds_left else ""
        detail = f" {p.message}" if p.message else ""
        print(f"{p.stage}: {p.done}/{p.total}{left}{detail}", file=self.stream, flush=True)
