"""What each Face++ v3 failure means, in plain words.

Face++ answers an error with an HTTP status and ``{"error_message": "CODE"}`` or ``"CODE:detail"``
(``AUTHORIZATION_ERROR:Denied by Client``, ``INVALID_IMAGE_SIZE:image_file``). ``translate`` turns every
failure of one request into what the study should do with it: wait and try again (``Retryable``: the
concurrency limit, a server error), skip this photo (``UnusableImage``), or stop (a fatal ``ServiceError``:
wrong key, no permission, the service unreachable). The key and secret never appear in any message; the
session scrubs every text once more before it is shown.
"""
from __future__ import annotations

from pathlib import Path

import requests

from ..images import UnusableImage
from .services.errors import Retryable, ServiceError

CONSOLE = "console.faceplusplus.com"
PHOTO_PROBLEMS = {  # 400 answers about the uploaded image: that photo is skipped, the study goes on
    "INVALID_IMAGE_SIZE": "Face++ refuses its size (it takes 48 to 4096 pixels a side)",
    "IMAGE_ERROR_UNSUPPORTED_FORMAT": "Face++ cannot read it as a JPEG or PNG image",
    "INVALID_IMAGE_URL": "Face++ could not read the image",
    "IMAGE_FILE_TOO_LARGE": "the file is over Face++'s limit of 2 MB",
    "IMAGE_DOWNLOAD_TIMEOUT": "Face++ could not read the image in time",
}


class FaceppAnswer(Exception):
    """A Face++ answer other than 200: its status and its error code and detail."""

    def __init__(self, status: int, error_message: str):
        super().__init__(f"{status} {error_message}")
        self.status = status
        self.code, _, self.detail = error_message.partition(":")


def answer_error(response: requests.Response) -> FaceppAnswer:
    """The error of a non-200 answer; a body that is not Face++'s JSON (a proxy's page) keeps the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    message = body.get("error_message") if isinstance(body, dict) else None
    return FaceppAnswer(response.status_code, str(message or f"HTTP_{response.status_code}:{response.reason or ''}"))


def translate(exc: Exception, base: str, what: str, photo: Path | None) -> Exception:
    """The exception the study acts on for a request to ``what`` that raised ``exc``."""
    if isinstance(exc, requests.exceptions.RequestException) and not isinstance(exc, requests.HTTPError):
        return unreachable(exc, base)
    if not isinstance(exc, FaceppAnswer):
        return ServiceError(f"Face++ {what}: the answer could not be read ({type(exc).__name__}).")
    status, code, detail = exc.status, exc.code, exc.detail
    said = f"{code}: {detail}" if detail else code
    if status == 403 and code == "CONCURRENCY_LIMIT_EXCEEDED":
        return Retryable("concurrency limit exceeded")
    if status >= 500:
        return Retryable(f"server error {status} {code}".strip())
    if photo is not None and (code in PHOTO_PROBLEMS or status == 413):
        return UnusableImage(photo, PHOTO_PROBLEMS.get(code, PHOTO_PROBLEMS["IMAGE_FILE_TOO_LARGE"]))
    if status == 401 or code == "AUTHENTICATION_ERROR":
        return ServiceError(
            f"Face++ refused the API key and secret (401 AUTHENTICATION_ERROR) at {base}: one of them is wrong, "
            f"or the key belongs to the other region (international or China). Copy both from {CONSOLE} (Apps)."
        )
    if code == "MISSING_ARGUMENTS" and detail in ("api_key", "api_secret"):
        return ServiceError(f"Face++ got no {detail.replace('_', ' ')}: save it in the settings, or set "
                            "FACEPP_API_KEY and FACEPP_API_SECRET for the command line.")
    if code == "AUTHORIZATION_ERROR":
        return ServiceError(f"Face++ refused {what} (403 {said}): the API key may not use this call, or it is "
                            f"disabled or out of balance; check it at {CONSOLE}.")
    if code == "FACESET_QUOTA_EXCEEDED":
        return ServiceError("Face++ says this API key holds as many facesets as it may (1,000 for a free key); "
                            "delete the ones earlier runs left behind from the settings, then try again.")
    if status == 404:
        return ServiceError(f"{base} answers, but there is no Face++ v3 API behind it (404 on {what}); check the "
                            "endpoint (https://api-us.faceplusplus.com/facepp/v3, or api-cn for China).")
    if status == 413:
        return ServiceError(f"Face++ refused {what}: the request is over its size limit (413).")
    return ServiceError(f"Face++ answered {status} {said} to {what}.")


def unreachable(exc: Exception, base: str) -> ServiceError:
    """No answer at all: refused, unknown host, TLS failure or too slow."""
    text = str(exc).lower()
    if isinstance(exc, requests.exceptions.Timeout):
        why = "it did not answer in time; the service or the network is slow or down. Try again later"
    elif isinstance(exc, requests.exceptions.SSLError):
        why = "the secure connection failed; check the endpoint address"
    elif "refused" in text:
        why = "the connection was refused; check the endpoint address (FACEPP_ENDPOINT)"
    elif any(s in text for s in ("name resolution", "name or service not known", "getaddrinfo", "nodename")):
        why = "its server name is unknown; check the endpoint address and your internet connection"
    else:
        why = "the network connection failed"
    # a request that timed out may have been carried out: what it made is still ours to delete
    return ServiceError(f"Cannot reach Face++ at {base}: {why}.",
                        maybe_done=isinstance(exc, requests.exceptions.ReadTimeout))
