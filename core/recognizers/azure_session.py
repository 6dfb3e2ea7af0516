"""The paced, retrying session with Azure that every call goes through: the shared ``ServiceSession`` with
the SDK's client and Azure's translation of failures.

Calls are paced client-side (free tier 20 a minute, standard 10 a second); 429 and 5xx answers are retried
by the shared session (the SDK's own retry is off because it re-sends consumed upload streams), honouring
``Retry-After``. Every failure is translated by ``azure_errors``. The key never appears in any message
or log line.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from azure.cognitiveservices.vision.face import FaceClient
from msrest.authentication import CognitiveServicesCredentials

from ..jobs import NO_JOB, Job
from .azure_errors import AzureAuthError, AzureEndpointError, AzureRetry, api_error, translate
from .services.errors import ServiceError
from .services.retry import RetryPolicy
from .services.session import ServiceSession

SERVICE = "Azure"  # as notes name it: "Azure asked us to wait 1 s (rate limit) ..."


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


class _AzureSession(ServiceSession):
    """The SDK client plus the shared pacing (per endpoint), retries and scrubbing of the key."""

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
        super().__init__(SERVICE, self.endpoint, rate=calls_per_second, secrets=(key,), job=job,
                         policy=RetryPolicy(max_retries=max_retries, backoff_s=backoff_s))
        self.client = FaceClient(self.endpoint, CognitiveServicesCredentials(key))
        self.client.config.retry_policy.retries = 0  # the SDK would re-send consumed upload streams
        self.client.config.connection.timeout = timeout_s
        self.client.config.enable_http_logger = False  # its log shows the key header
        self.timeout_s = timeout_s

    @property
    def calls_per_second(self) -> float:
        return self.rate

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.client.close()  # its pooled connections

    def call(self, what: str, send: Callable[[], object], photo: Path | None = None):
        """Run ``send`` (one SDK call, which must build a fresh stream each time) with pacing and retries."""
        return super().call(
            what, send, lambda exc: translate(exc, what, photo, self.endpoint, self.timeout_s, self.scrub), photo
        )

    def gave_up(self, failure: AzureRetry, what: str, tries: int) -> ServiceError:
        """AzureRateLimited or AzureServiceError, in Azure's words, once no retry is left."""
        return api_error(failure.answer, what, None, tries, self.endpoint, self.scrub)
