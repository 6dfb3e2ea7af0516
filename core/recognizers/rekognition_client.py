"""How we talk to Amazon Rekognition: credentials through boto3's own chain, one client with botocore's own
retries switched off, and every failure of a call put into plain words (``translate``).

Why botocore's retries are off: botocore would retry throttling and server errors by itself (up to 3 tries in
its standard mode, with waits of its own). Our ``ServiceSession`` already retries with ``RetryPolicy``, writes a
note for each wait and records the policy in the manifest; two retry loops nested would multiply the waits and
hide them. So botocore makes exactly one attempt per call, and the one policy the manifest names is the truth.
"""
from __future__ import annotations

import os
from pathlib import Path

import boto3
import botocore.exceptions as boto_errors
from botocore.config import Config

from ..images import NoFaceFound, UnusableImage
from ..jobs import NO_JOB, Job
from .services.errors import Retryable, ServiceError
from .services.keys import load_secret
from .services.retry import RetryPolicy
from .services.session import ServiceSession

SERVICE = "Amazon Rekognition"
KEY_ID_FIELD, SECRET_FIELD = "access key id", "secret access key"  # the window's keyring fields
ENDPOINT_ENV = "AWS_ENDPOINT_URL_REKOGNITION"  # read by botocore itself; named here only for messages
THROTTLED = {"ThrottlingException", "ProvisionedThroughputExceededException", "LimitExceededException",
             "TooManyRequestsException", "Throttling"}
NOT_SIGNED_IN = {  # AWS's answers to a key pair it does not accept
    "UnrecognizedClientException": "AWS does not know this access key id",
    "InvalidClientTokenId": "AWS does not know this access key id",
    "InvalidSignatureException": "the secret access key does not belong to this access key id",
    "SignatureDoesNotMatch": "the secret access key does not belong to this access key id",
    "MissingAuthenticationTokenException": "the request carried no AWS signature",
    "IncompleteSignature": "the request's AWS signature was incomplete",
    "ExpiredTokenException": "the temporary AWS credentials have expired",
}
PHOTO_REFUSED = {"InvalidImageFormatException", "ImageTooLargeException", "InvalidParameterException"}
HOW_TO_SIGN_IN = ("enter the access key id and secret access key in the Recognition tab, or set AWS_ACCESS_KEY_ID and "
                  "AWS_SECRET_ACCESS_KEY (or AWS_PROFILE) for the command line")


class CollectionGone(ServiceError):
    """ResourceNotFoundException: the collection (or a user in it) no longer exists."""


class AlreadyExists(ServiceError):
    """ResourceAlreadyExistsException: a collection of that id exists (our own, when a lost answer was retried)."""


def _key_pair(key_id: str | None, key: str | None) -> tuple[str | None, str | None]:
    """The explicit pair; else, unless the environment names credentials, the pair saved in the window; else
    (None, None) and boto3's chain decides (environment, ~/.aws files, an instance role)."""
    key_id, key = (key_id or "").strip() or None, (key or "").strip() or None
    if bool(key_id) != bool(key):
        raise ServiceError("Amazon Rekognition needs both the AWS access key id and the secret access key; "
                           "only one was given.")
    if key_id or os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE"):
        return key_id, key
    saved = load_secret(SERVICE, KEY_ID_FIELD), load_secret(SERVICE, SECRET_FIELD)
    return saved if all(saved) else (None, None)


class Connection:
    """A signed-in boto3 client and the paced, retrying session its calls go through."""

    def __init__(self, *, key_id: str | None = None, key: str | None = None, region: str | None = None,
                 rate: float, policy: RetryPolicy = RetryPolicy(), timeout_s: float = 30.0, job: Job = NO_JOB):
        key_id, key = _key_pair(key_id, key)
        try:
            boto = boto3.Session(aws_access_key_id=key_id, aws_secret_access_key=key, region_name=region or None)
            credentials = boto.get_credentials()
        except boto_errors.ProfileNotFound as exc:
            raise ServiceError(f"The AWS profile '{exc.kwargs.get('profile')}' does not exist in ~/.aws/config.") from None
        except boto_errors.BotoCoreError as exc:
            raise ServiceError(f"The AWS credentials could not be read: {exc}") from None
        if credentials is None:
            raise ServiceError(f"No AWS credentials for Amazon Rekognition: {HOW_TO_SIGN_IN}.")
        frozen = credentials.get_frozen_credentials()
        self.region = boto.region_name
        if not self.region:
            raise ServiceError("No AWS region for Amazon Rekognition: choose one (for example us-east-1) in the "
                               "Recognition tab, or set AWS_DEFAULT_REGION for the command line.")
        config = Config(retries={"total_max_attempts": 1}, connect_timeout=timeout_s, read_timeout=timeout_s)
        try:
            self.client = boto.client("rekognition", config=config)
        except (boto_errors.BotoCoreError, ValueError) as exc:  # a malformed region or endpoint address
            raise ServiceError(f"Amazon Rekognition cannot be set up for region '{self.region}': {exc}") from None
        self.endpoint = self.client.meta.endpoint_url
        self.key_source = credentials.method  # "explicit", "env", "shared-credentials-file", ...: never the key
        self.timeout_s = timeout_s
        self.session = ServiceSession(SERVICE, f"{self.endpoint} {frozen.access_key}", rate=rate, policy=policy,
                                      secrets=(frozen.secret_key, frozen.token or ""), job=job)

    @property
    def endpoint_overridden(self) -> bool:
        """Whether calls go elsewhere than AWS's own address for the region (AWS_ENDPOINT_URL_REKOGNITION)."""
        host = self.endpoint.split("://", 1)[-1].split("/", 1)[0]
        return not host.endswith((".amazonaws.com", ".amazonaws.com.cn"))

    def call(self, what: str, operation: str, photo: Path | None = None, **params):
        """``operation`` (boto3's snake_case name) with ``params``, paced and retried; ``what`` names it in notes."""
        method = getattr(self.client, operation)
        return self.session.call(what, lambda: method(**params),
                                 lambda exc: translate(exc, what, photo, self.endpoint, self.timeout_s), photo)

    def close(self) -> None:
        self.client.close()


def translate(exc: Exception, what: str, photo: Path | None, endpoint: str, timeout_s: float) -> Exception:
    """Our exception for what a call raised: ``Retryable``, a fatal ``ServiceError``, or a per-photo
    ``UnusableImage``/``NoFaceFound``."""
    if isinstance(exc, boto_errors.ClientError):
        return _answer(exc, what, photo)
    if isinstance(exc, (boto_errors.NoCredentialsError, boto_errors.PartialCredentialsError)):
        return ServiceError(f"No AWS credentials for Amazon Rekognition: {HOW_TO_SIGN_IN}.")
    if isinstance(exc, (boto_errors.EndpointConnectionError, boto_errors.ConnectTimeoutError)):
        return ServiceError(f"Cannot reach Amazon Rekognition at {endpoint}: check the region, any "
                            f"{ENDPOINT_ENV} setting and the internet connection.")
    if isinstance(exc, (boto_errors.ReadTimeoutError, boto_errors.ConnectionClosedError)):
        return Retryable(f"no answer within {timeout_s:g} s")
    if isinstance(exc, boto_errors.ParamValidationError):
        if photo is not None:
            return UnusableImage(photo, f"Amazon Rekognition cannot take it: {_line(str(exc))}")
        return ServiceError(f"Amazon Rekognition {what}: {_line(str(exc))}")
    if isinstance(exc, boto_errors.BotoCoreError):
        return ServiceError(f"Amazon Rekognition {what} failed: {_line(str(exc))}")
    return exc  # not a service failure (a bug): let it show as it is


def _answer(exc, what: str, photo: Path | None) -> Exception:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), _line(str(error.get("Message", "")))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    if code in THROTTLED:
        return Retryable("rate limit")
    if code in ("InternalServerError", "ServiceUnavailable", "ServiceUnavailableException") or status >= 500:
        return Retryable(f"server error {status or code}")
    if code in NOT_SIGNED_IN:
        return ServiceError(f"Amazon Rekognition refused the AWS key pair ({code}: {NOT_SIGNED_IN[code]}); "
                            f"{HOW_TO_SIGN_IN}.")
    if code in ("AccessDeniedException", "AccessDenied"):
        return ServiceError(f"Amazon Rekognition refused {what}: this AWS user may not call rekognition:"
                            f"{exc.operation_name}. Give it a policy such as AmazonRekognitionFullAccess in IAM.")
    if photo is not None and code in PHOTO_REFUSED:
        if "no face" in message.lower():
            return NoFaceFound(photo)
        return UnusableImage(photo, f"Amazon Rekognition refused it ({code}): {message}")
    if code == "ConflictException":  # a user still being updated by the previous association
        return Retryable("the person is still being updated")
    if code == "ResourceAlreadyExistsException":
        return AlreadyExists(f"Amazon Rekognition {what}: {message}")
    if code == "ResourceNotFoundException":
        return CollectionGone(f"Amazon Rekognition {what}: {message} (was the collection deleted while the study ran?)")
    if code == "ServiceQuotaExceededException":
        return ServiceError(f"Amazon Rekognition {what}: a limit of the account is reached ({message}).")
    return ServiceError(f"Amazon Rekognition {what} failed ({code or status}): {message}")


def _line(text: str) -> str:
    return " ".join(text.split())
