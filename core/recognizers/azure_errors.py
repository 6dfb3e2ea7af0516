"""The failures of the Azure Face backend, in plain words.

Every failure becomes either ``UnusableImage``/``NoFaceFound`` (this photo only: record it and go on), a
``Retryable`` (429 or 5xx: the shared session waits and tries again) or an ``AzureError`` (stop the study: wrong
key, not approved, unreachable, ...), a ``ServiceError`` like every online tracker's. This module maps the SDK's
error answers and connection failures onto them; the key never appears in any message.
"""
from __future__ import annotations

import email.utils
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import requests
from azure.cognitiveservices.vision.face.models import APIErrorException
from msrest.exceptions import ClientRequestError, ValidationError

from ..images import NoFaceFound, UnusableImage
from .services.errors import Retryable, ServiceError

LIMITED_ACCESS = (
    "This Azure Face resource is not approved for identification. Since June 2022 Microsoft restricts "
    "Identify, Verify and face IDs to approved customers (Limited Access); apply at https://aka.ms/facerecognition, "
    "or use a local recognizer (dlib, mobileface, faceres) instead."
)


class AzureError(ServiceError):
    """A failure that stops the whole study (per-photo problems raise ``UnusableImage`` instead)."""

    fatal = True


class AzureAuthError(AzureError):
    """401: the key is wrong or belongs to another resource or region."""


class AzureNotApproved(AzureError):
    """403 UnsupportedFeature: the resource lacks Limited Access approval for identification."""


class AzureForbidden(AzureError):
    """Another 403, for example the free tier's monthly quota is used up."""


class AzureEndpointError(AzureError):
    """The endpoint address is malformed or answers without a Face API behind it."""


class AzureUnreachable(AzureError):
    """Connection refused, unknown host, TLS failure or no answer in time."""


class AzureNotFound(AzureError):
    """404 for an object we created (the person group was deleted behind our back)."""


class AzureConflict(AzureError):
    """409: the group exists already or another operation on it is still running."""


class AzureRateLimited(AzureError):
    """429 still after all our retries."""


class AzureServiceError(AzureError):
    """5xx still after all our retries, or an answer we cannot make sense of."""


class AzureTrainingError(AzureError):
    """Training failed or did not finish in time."""


class AzureRetry(Retryable):
    """A 429 or 5xx answer, worth another try; ``answer`` is kept to say it plainly if no try is left."""

    def __init__(self, answer: APIErrorException):
        status = answer.response.status_code
        super().__init__("rate limit" if status == 429 else f"server error {status}", _retry_after(answer))
        self.answer = answer


def translate(exc: Exception, what: str, photo: Path | None, endpoint: str, timeout_s: float,
              scrub: Callable[[str], str]) -> Exception:
    """Our exception for what one SDK call raised: ``AzureRetry``, an ``AzureError``, or a per-photo
    ``UnusableImage``/``NoFaceFound``; anything else (a bug) as it is."""
    if isinstance(exc, APIErrorException):
        status = exc.response.status_code
        if status == 429 or status >= 500:
            return AzureRetry(exc)
        return api_error(exc, what, photo, 1, endpoint, scrub)
    if isinstance(exc, ClientRequestError):
        return connection_error(exc, endpoint, timeout_s)
    if isinstance(exc, ValidationError):
        return AzureError(f"Azure {what}: the request was refused before sending ({exc}).")
    return exc


def api_error(exc, what: str, photo: Path | None, attempts: int, endpoint: str,
              scrub: Callable[[str], str]) -> Exception:
    """Our exception for an Azure error answer to ``what``; ``scrub`` hides the key in the service's message."""
    status = exc.response.status_code
    code, message, inner_code = _error_parts(exc)
    message = scrub(message)
    if status == 400 and photo is not None and code in ("InvalidImage", "InvalidImageSize"):
        if "no face" in message.lower():
            return NoFaceFound(photo)
        if "more than 1 face" in message.lower() or "more than one face" in message.lower():
            return UnusableImage(photo, "Azure found more than one face; a training photo must show one person")
        return UnusableImage(photo, f"Azure cannot use this photo: {message}")
    if status == 401:
        return AzureAuthError(
            f"Azure refused the key (401) at {endpoint}: the key is wrong, or it belongs to another "
            "Face resource or region than this endpoint. Copy both from the Azure portal (Keys and Endpoint)."
        )
    if status == 403:
        if inner_code == "UnsupportedFeature" or "approval" in message.lower():
            return AzureNotApproved(LIMITED_ACCESS)
        return AzureForbidden(f"Azure refused {what} (403): {message}")
    if status == 404:
        if code.startswith("Person"):  # PersonGroupNotFound, PersonNotFound
            return AzureNotFound(f"Azure {what}: {message} (was it deleted while the study ran?)")
        return AzureEndpointError(
            f"{endpoint} answers, but there is no Face API behind it (404 on {what}); "
            "check the endpoint in the Azure portal (Keys and Endpoint)."
        )
    if status == 409:
        return AzureConflict(f"Azure {what}: {message} (409 conflict).")
    tries = f" ({attempts} tries)" if attempts > 1 else ""
    if status == 429:
        return AzureRateLimited(
            f"Azure answered 'rate limit exceeded' to {what}{tries}; try again later or choose a slower pace "
            "(free tier: 20 calls a minute)."
        )
    if status >= 500:
        return AzureServiceError(f"Azure had a server error ({status}) on {what}{tries}; try again later.")
    return AzureError(f"Azure {what} failed ({status} {code}): {message}")


def connection_error(exc, endpoint: str, timeout_s: float) -> AzureError:
    """Our exception for a request that got no answer (refused, unknown host, TLS, timeout)."""
    cause = exc.__context__ or exc.__cause__
    text = str(cause or exc)
    if isinstance(cause, requests.exceptions.Timeout):
        return AzureUnreachable(
            f"Azure at {endpoint} did not answer within {timeout_s:g} s; the service or the network "
            "is slow or down. Try again later."
        )
    if isinstance(cause, requests.exceptions.SSLError):
        return AzureUnreachable(f"The secure connection to {endpoint} failed; check the endpoint address.")
    if "refused" in text.lower():
        return AzureUnreachable(
            f"Cannot reach Azure at {endpoint}: the connection was refused. Check the endpoint address."
        )
    if any(s in text for s in ("NameResolution", "Name or service not known", "getaddrinfo", "nodename")):
        return AzureUnreachable(
            f"Cannot find the server of {endpoint}: check the endpoint address and your internet connection."
        )
    return AzureUnreachable(f"Cannot reach Azure at {endpoint}: the network connection failed.")


def _error_parts(exc) -> tuple[str, str, str]:
    """(code, message, innererror code) of an Azure error answer; innererror is only in the raw JSON."""
    try:
        body = exc.response.json()
    except ValueError:  # not JSON: an HTML page from something that is not the Face API
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", f"HTTP {exc.response.status_code} {exc.response.reason}", ""
    inner = error.get("innererror")
    inner_code = str(inner.get("code", "")) if isinstance(inner, dict) else ""
    return str(error.get("code", "")), str(error.get("message", "")), inner_code


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
