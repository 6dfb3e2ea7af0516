"""Calls spaced evenly at the rate the account allows, shared by every object that talks to one account."""
from __future__ import annotations

import threading


class Pacer:
    """A token bucket of one token: calls go out ``1 / rate`` seconds apart. One per (service, account, rate),
    so that two recognizers of one study talking to one account together stay under its limit."""

    _shared: dict[tuple[str, str, float], "Pacer"] = {}
    _shared_lock = threading.Lock()

    def __init__(self, rate: float):
        self.rate = rate
        self.interval = 1.0 / rate
        self._next_free = 0.0
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, service: str, account: str, rate: float) -> "Pacer":
        with cls._shared_lock:
            return cls._shared.setdefault((service, account, rate), cls(rate))

    def reserve(self, now: float) -> float:
        """Seconds to wait before the next call may go out (and book that slot)."""
        with self._lock:
            start = max(now, self._next_free)
            self._next_free = start + self.interval
            return start - now
