"""A service's failures in plain words: ``fatal`` ones stop the study (wrong key, no access, unreachable), the
others are worth another try after a wait (rate limit, a server error)."""
from __future__ import annotations


class ServiceError(Exception):
    """A failure of an online tracker, its message already in plain words and free of any secret."""

    def __init__(self, message: str, *, fatal: bool = True, maybe_done: bool = False):
        super().__init__(message)
        self.fatal = fatal  # True: no retry can mend it; the study stops and says why
        # True: no answer came back (a timeout, a server error), so the call may have been carried out all the same
        self.maybe_done = maybe_done


class Retryable(ServiceError):
    """An answer that asks for another try: a rate limit or a server error. ``wait_s`` is the wait the service
    asked for (None when it named none, then the policy's back-off decides)."""

    def __init__(self, reason: str, wait_s: float | None = None):
        super().__init__(reason, fatal=False)
        self.reason, self.wait_s = reason, wait_s
