"""Calls spaced evenly at the rate the account allows, shared by every object that talks to one account."""
from __future__ import annotations

import threading


class Pacer:
    """A token bucket of one token: calls go out ``1 / rate`` seconds apart. One per (service, account), so that
    two recognizers talking to one account together stay under its limit, whatever rate each was given."""

    _shared: dict[tuple[str, str], "Pacer"] = {}
    _shared_lock = threading.Lock()

    def __init__(self, rate: float):
        self.rate = rate
        self.interval = 1.0 / rate
        self._next_free = 0.0
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, service: str, account: str, rate: float) -> "Pacer":
        """The account's pacer, at ``rate`` from now on: the rate is the account's limit as the user last gave it,
        so the latest setting holds for every call to that account (not one bucket per setting, which would let
        two settings together exceed the limit)."""
        with cls._shared_lock:
            pacer = cls._shared.setdefault((service, account), cls(rate))
            pacer.set_rate(rate)
            return pacer

    def set_rate(self, rate: float) -> None:
        with self._lock:
            self.rate, self.interval = rate, 1.0 / rate

    def reserve(self, now: float) -> float:
        """Seconds to wait before the next call may go out (and book that slot)."""
        with self._lock:
            start = max(now, self._next_free)
            self._next_free = start + self.interval
            return start - now
