"""When to try a call again: a named policy, as botocore's and azure-core's are, recorded in the manifest."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Retry rate limits and server errors up to ``max_retries`` times; wait what the service asked for, else
    ``backoff_s`` doubled each time, at most ``max_wait_s``."""

    name: str = "standard"
    max_retries: int = 6
    backoff_s: float = 2.0
    max_wait_s: float = 120.0

    def wait(self, attempt: int, asked: float | None) -> float:
        """Seconds before retry number ``attempt + 1`` (``attempt`` counts from 0)."""
        if asked is not None:
            return max(0.0, asked)
        return min(self.backoff_s * 2**attempt, self.max_wait_s)

    def describe(self) -> dict:
        return asdict(self)
