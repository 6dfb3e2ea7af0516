"""The Face++ v3 connection: where it is, whose key, and one paced, retried multipart POST.

Every request carries the API key and secret as form fields of a multipart POST (never in the address, so no
log line of a proxy or of ``requests`` shows them), goes through ``services.session.ServiceSession`` (pace,
retries, cancel) and has its failures said in words by ``facepp_errors``. The endpoint comes from the option,
else ``FACEPP_ENDPOINT``, else the international one; the key and secret from the options, else
``FACEPP_API_KEY`` / ``FACEPP_API_SECRET``, else the keyring ("Face++", "api key" / "api secret").
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import urlparse

import requests

from ..jobs import NO_JOB, Job
from .facepp_errors import FaceppAnswer, answer_error, translate
from .services.errors import ServiceError
from .services.keys import load_secret
from .services.retry import RetryPolicy
from .services.session import ServiceSession

SERVICE = "Face++"
DEFAULT_ENDPOINT = "https://api-us.faceplusplus.com/facepp/v3"  # international
CHINA_ENDPOINT = "https://api-cn.faceplusplus.com/facepp/v3"  # for keys made on faceplusplus.com.cn
ENV_KEY, ENV_SECRET, ENV_ENDPOINT = "FACEPP_API_KEY", "FACEPP_API_SECRET", "FACEPP_ENDPOINT"
CALLS_PER_SECOND = 1.0  # a free API key's QPS


def normalise_endpoint(endpoint: str) -> str:
    """``https://api-us.faceplusplus.com/facepp/v3`` from what a user pasted (a host, a trailing slash, a call)."""
    text = (endpoint or "").strip().rstrip("/")
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ServiceError(f"The Face++ endpoint '{text}' is not a web address; use {DEFAULT_ENDPOINT} "
                           f"(or {CHINA_ENDPOINT} for a key made in China).")
    head, found, _ = text.partition("/facepp/v3")
    return head + "/facepp/v3" if found or not parsed.path.strip("/") else text


def resolve(endpoint: str | None = None, key: str | None = None, secret: str | None = None) -> tuple[str, str, str]:
    """Endpoint, key and secret: the options, else FACEPP_ENDPOINT / FACEPP_API_KEY / FACEPP_API_SECRET, else the
    keyring (key and secret); a missing key or secret stops the study here, before any call."""
    endpoint = endpoint or os.environ.get(ENV_ENDPOINT, "").strip() or DEFAULT_ENDPOINT
    key = (key or "").strip() or load_secret(SERVICE, "api key", ENV_KEY)
    secret = (secret or "").strip() or load_secret(SERVICE, "api secret", ENV_SECRET)
    if not key or not secret:
        missing = " and ".join(w for w, v in (("API key", key), ("API secret", secret)) if not v)
        raise ServiceError(f"No Face++ {missing}: save them in the settings, or set {ENV_KEY} and {ENV_SECRET} "
                           "for the command line.")
    return normalise_endpoint(endpoint), key, secret


class FaceppClient:
    """One account's paced session: every request a multipart POST with the key and secret as form fields."""

    def __init__(self, endpoint: str | None = None, key: str | None = None, secret: str | None = None, *,
                 calls_per_second: float = CALLS_PER_SECOND, max_retries: int = 6, backoff_s: float = 1.0,
                 timeout_s: float = 30.0, job: Job = NO_JOB):
        self.base, self._key, self._secret = resolve(endpoint, key, secret)
        self.account = f"{self.base}#{hashlib.sha256(self._key.encode()).hexdigest()[:16]}"
        self.session = ServiceSession(SERVICE, self.account, rate=calls_per_second, job=job,
                                      policy=RetryPolicy("facepp", max_retries, backoff_s, 60.0),
                                      secrets=(self._key, self._secret))
        self.timeout_s = timeout_s
        self._http = requests.Session()

    def send(self, path: str, fields: dict | None = None, image: bytes | None = None, tolerate=()) -> dict | None:
        """One request, unpaced; raises ``FaceppAnswer`` or requests' own errors (None: a tolerated error code)."""
        parts = {"api_key": (None, self._key), "api_secret": (None, self._secret)}
        parts.update({k: (None, str(v)) for k, v in (fields or {}).items()})
        if image is not None:
            parts["image_file"] = ("photo", image, "application/octet-stream")
        response = self._http.post(f"{self.base}/{path}", files=parts, timeout=(min(10.0, self.timeout_s), self.timeout_s))
        if response.status_code != 200:
            error = answer_error(response)
            if error.code in tolerate:
                return None
            raise error
        try:
            return response.json()
        except ValueError:
            raise FaceppAnswer(502, "NOT_JSON") from None

    def post(self, what: str, path: str, fields: dict | None = None, *, image: bytes | None = None,
             photo: Path | None = None, tolerate=()) -> dict | None:
        """``send`` paced and retried; ``what`` names it in notes ("adding 01-1m.jpg")."""
        return self.session.call(what, lambda: self.send(path, fields, image, tolerate),
                                 lambda exc: translate(exc, self.base, what, photo), photo)

    def close(self) -> None:
        self._http.close()


def delete_faceset_with(client: FaceppClient, outer_id: str) -> None:
    """Delete a faceset and every face in it; one already gone counts as deleted."""
    client.post(f"deleting faceset {outer_id}", "faceset/delete", {"outer_id": outer_id, "check_empty": 0},
                tolerate=("INVALID_OUTER_ID", "INVALID_FACESET_TOKEN"))
