"""The paced, retrying session with Azure that every call goes through.

Calls are paced client-side (free tier 20 a minute, standard 10 a second); 429 and 5xx answers are retried
in our code (the SDK's own retry is off because it re-sends consumed upload streams), honouring
``Retry-After``. Every other failure is translated by ``azure_errors``. The key never appears in any message
or log line.
"""
from __future__ import annotations

import email.utils
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from azure.cognitiveservices.vision.face import FaceClient
from azure.cognitiveservices.vision.face.models import APIErrorException
from msrest.authentication import CognitiveServicesCredentials
from msrest.exceptions import ClientRequestError, ValidationError

from ..jobs import NO_JOB, Job
from .azure_errors import AzureAuthError, AzureEndpointError, AzureError, _error_parts, api_error, connection_error


def normalise_endpoint(endpoint: str) -> str:
    """``https://name.cognitiveservices.azure.com`` from what a user pasted (trailing slash, API path)."""
    text = (endpoint or "").strip().rstrip("/")
    text = re.sub(r"/face/v1\.0$", "", text, flags=re.IGNORECASE).rstrip("/")
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise AzureEndpointError(
            f"The Azure endpoint '{text}' is not a web address; copy it from the Azure portal "
            "(Keys and Endpoint), for example https://<name>.cognitiveservices.azure.com"
        )
    return text


@dataclass(frozen=True)
class CallPlan:
    calls: int
    seconds: float

    def __str__(self) -> str:
        return f"about {self.calls} Azure calls, at least {_duration(self.seconds)} at the chosen pace"


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


class _Pacer:
    """A token bucket of one token: calls are spaced evenly at ``rate`` per second. Shared per endpoint so
    that two objects talking to one resource together stay under its limit."""

    _shared: dict[tuple[str, float], "_Pacer"] = {}
    _shared_lock = threading.Lock()

    def __init__(self, rate: float):
        self.interval = 1.0 / rate
        self._next_free = 0.0
        self._lock = threading.Lock()

    @classmethod
    def for_endpoint(cls, endpoint: str, rate: float) -> "_Pacer":
        with cls._shared_lock:
            return cls._shared.setdefault((endpoint, rate), cls(rate))

    def reserve(self, now: float) -> float:
        """Seconds to wait before the next call may go out."""
        with self._lock:
            start = max(now, self._next_free)
            self._next_free = start + self.interval
            return start - now


class _AzureSession:
    """The SDK client plus pacing, our own retries and the translation of every failure into plain words."""

    def __init__(
        self,
        endpoint: str,
        key: str,
        *,
        calls_per_second: float,
        max_retries: int = 6,
        timeout_s: float = 30.0,
        backoff_s: float = 2.0,
        job: Job = NO_JOB,
    ):
        if not key:
            raise AzureAuthError(
                "No Azure key: save it in the settings, or set AZURE_FACE_KEY for the command line."
            )
        self.endpoint = normalise_endpoint(endpoint)
        self._key = key  # only to scrub it from any text we pass on
        self.client = FaceClient(self.endpoint, CognitiveServicesCredentials(key))
        self.client.config.retry_policy.retries = 0  # the SDK would re-send consumed upload streams
        self.client.config.connection.timeout = timeout_s
        self.client.config.enable_http_logger = False  # its log shows the key header
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.calls_per_second = calls_per_second
        self.pacer = _Pacer.for_endpoint(self.endpoint, calls_per_second)
        self.job = job
        self.calls_made = 0
        self.closing = False  # while cleaning up, a cancelled job must not stop us

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()  # its pooled connections

    def call(self, what: str, send: Callable[[], object], photo: Path | None = None):
        """Run ``send`` (one SDK call, which must build a fresh stream each time) with pacing and retries."""
        attempt = 0
        while True:
            if not self.closing:
                self.job.check()
            self.wait(self.pacer.reserve(time.monotonic()))
            self.calls_made += 1
            try:
                return send()
            except APIErrorException as exc:
                status = exc.response.status_code
                if (status == 429 or status >= 500) and attempt < self.max_retries:
                    self._wait_before_retry(exc, status, what, attempt)
                    attempt += 1
                    continue
                raise api_error(exc, what, photo, attempt + 1, self.endpoint, self.scrub) from None
            except ClientRequestError as exc:
                raise connection_error(exc, self.endpoint, self.timeout_s) from None
            except ValidationError as exc:
                raise AzureError(f"Azure {what}: the request was refused before sending ({exc}).") from None

    def wait(self, seconds: float) -> None:
        """Sleep in short slices so that a cancel takes effect within a fraction of a second."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if not self.closing:
                self.job.check()
            time.sleep(min(left, 0.25))

    def _wait_before_retry(self, exc, status: int, what: str, attempt: int) -> None:
        hint = _retry_after(exc)
        wait = hint if hint is not None else min(self.backoff_s * 2**attempt, 120.0)
        reason = "rate limit" if status == 429 else f"server error {status}"
        asked = "Azure asked us to wait" if hint is not None else "Waiting"
        self.note(
            f"{asked} {wait:g} s ({reason}) before {what}; attempt {attempt + 2} of {self.max_retries + 1}, "
            f"{self.calls_made} calls so far."
        )
        self.wait(wait)

    def note(self, message: str) -> None:
        self.job.note(self.scrub(message))

    def scrub(self, text: str) -> str:
        return text.replace(self._key, "[key hidden]") if self._key else text


def _retry_after(exc) -> float | None:
    """Seconds Azure asked us to wait: the Retry-After header, else 'try again in N seconds' in the message."""
    header = exc.response.headers.get("Retry-After")
    if header:
        try:
            return max(0.0, float(header))
        except ValueError:
            try:
                when = email.utils.parsedate_to_datetime(header)
                return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
            except (TypeError, ValueError):
                pass
    _, message, _ = _error_parts(exc)
    found = re.search(r"(?:try again in|retry after)\s+(\d+(?:\.\d+)?)\s*second", message, re.IGNORECASE)
    return float(found.group(1)) if found else None
