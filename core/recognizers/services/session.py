"""One paced, retrying, cancellable way to make a call to an online service.

A service's file hands ``call`` a function that sends one request and a ``translate`` that turns whatever that
request raised into a ``ServiceError`` (fatal: stop) or ``Retryable`` (wait and try again), or a per-photo
``UnusableImage``/``NoFaceFound`` (recorded; the study goes on). Waiting, retrying, cancelling and the wording of
the notes are the same for every service, and no note ever holds a secret.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from ...jobs import NO_JOB, Job
from .errors import Retryable, ServiceError
from .pacing import Pacer
from .retry import RetryPolicy
from .secrets import scrub


class ServiceSession:
    def __init__(self, service: str, account: str, *, rate: float, policy: RetryPolicy = RetryPolicy(),
                 secrets: tuple[str, ...] = (), job: Job = NO_JOB):
        """``service``: its name in words ("Face++"); ``account``: what the rate limit is counted on (an
        endpoint, an API key's hash); ``rate``: calls a second; ``secrets``: what no message may show."""
        self.service, self.account, self.rate, self.policy = service, account, rate, policy
        self.pacer = Pacer.shared(service, account, rate)
        self._secrets = tuple(s for s in secrets if s)
        self.job = job
        self.calls_made = 0
        self.retries = 0
        self.closing = False  # while cleaning up, a cancelled job must not stop us

    def call(self, what: str, send: Callable[[], object], translate: Callable[[Exception], Exception],
             photo: Path | None = None):
        """``send()`` paced and retried; ``what`` names the call in notes ("adding 01-1m.jpg")."""
        attempt = 0
        while True:
            if not self.closing:
                self.job.check()
            self.wait(self.pacer.reserve(time.monotonic()))
            self.calls_made += 1
            try:
                return send()
            except Exception as exc:  # noqa: BLE001 - every failure is translated, none passes raw
                failure = translate(exc)
            if isinstance(failure, Retryable) and attempt < self.policy.max_retries:
                self._wait_before_retry(failure, what, attempt)
                attempt += 1
                continue
            gave_up = isinstance(failure, Retryable)
            if gave_up:
                failure = self.gave_up(failure, what, attempt + 1)
            if isinstance(failure, ServiceError):  # the service's own subclass kept, so callers can tell cases apart
                failure.args = (self.scrub(str(failure)),)
                # a try answered with a server error, or not at all, may have been carried out all the same
                failure.maybe_done = failure.maybe_done or gave_up or attempt > 0
                raise failure from None
            raise failure from None

    def gave_up(self, failure: Retryable, what: str, tries: int) -> ServiceError:
        """What to raise when ``failure`` still stands after ``tries`` tries; a service may word it its own way."""
        return ServiceError(f"{self.service} still answered '{failure.reason}' to {what} ({tries} tries); "
                            "try again later or choose a slower pace.")

    def wait(self, seconds: float) -> None:
        """Sleep in short slices so that a cancel takes effect within a fraction of a second."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if not self.closing:
                self.job.check()
            time.sleep(min(left, 0.25))

    def _wait_before_retry(self, failure: Retryable, what: str, attempt: int) -> None:
        wait = self.policy.wait(attempt, failure.wait_s)
        asked = f"{self.service} asked us to wait" if failure.wait_s is not None else "Waiting"
        self.retries += 1
        self.note(f"{asked} {wait:g} s ({failure.reason}) before {what}; attempt {attempt + 2} of "
                  f"{self.policy.max_retries + 1}, {self.calls_made} calls so far.")
        self.wait(wait)

    def note(self, message: str) -> None:
        self.job.note(self.scrub(message))

    def scrub(self, text: str) -> str:
        return scrub(text, self._secrets)

    def describe(self) -> dict:
        """For the manifest: the pace and the retry policy, never a secret."""
        return {"calls_per_second": self.rate, "retry_policy": self.policy.describe()}
