"""Microsoft Azure Face (PersonGroup train + identify) as a recognizer backend.

Everything Azure-specific lives in this file and its two helpers, ``azure_errors`` (what each failure means)
and ``azure_session`` (the SDK's client on the shared ``services`` session: pacing, retries, scrubbing), behind
the ``Recognizer`` interface, so that moving from the archived SDK ``azure-cognitiveservices-vision-face`` to its
successor touches nothing else.

What it does for one study run: one PersonGroup with a unique id (created at the first ``enrol``, deleted
by ``close``), one Person per identity, training photos added with a fresh stream on every attempt,
training polled with a time limit, each test photo detected and then identified. Photos Azure cannot take
as they are go as a scaled or JPEG copy, and ``describe()`` says which. The key never appears in any
message, log line or ``describe()``.
"""
from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from azure.cognitiveservices.vision.face.version import VERSION as SDK_VERSION
from PIL import Image

from ..credentials import resolve_azure
from ..images import NoFaceFound, UnusableImage
from ..jobs import NO_JOB, Job
from ..score_scale import ScoreScale
from .azure_errors import (LIMITED_ACCESS, AzureAuthError, AzureConflict, AzureEndpointError, AzureError,
                           AzureForbidden, AzureNotApproved, AzureNotFound, AzureRateLimited, AzureServiceError,
                           AzureTrainingError, AzureUnreachable)
from .azure_session import SERVICE, _AzureSession, normalise_endpoint
from .base import DEFAULT_THRESHOLD, Candidate
from .services import photos
from .services.leftovers import PREFIX, Leftover
from .services.plan import ServicePlan
from .services.tracker import OnlineTracker

__all__ = [  # the errors and session helpers are re-exported so that imports from here keep working
    "AzureRecognizer", "LeftoverGroup", "upload_bytes", "test_connection", "leftover_groups",
    "delete_group", "GROUP_PREFIX", "MODELS", "CALLS_PER_SECOND", "LIMITS", "LIMITED_ACCESS", "normalise_endpoint",
    "AzureError", "AzureAuthError", "AzureNotApproved", "AzureForbidden", "AzureEndpointError", "AzureUnreachable",
    "AzureNotFound", "AzureConflict", "AzureRateLimited", "AzureServiceError", "AzureTrainingError",
]

GROUP_PREFIX = PREFIX  # "fawkes-tracker-", as every object this app makes on a service
MODELS = {  # our name -> (recognition model, detection model); never mix them between group and detect
    "latest": ("recognition_04", "detection_03"),
    "2020": ("recognition_01", "detection_01"),  # what the reference study used (the SDK defaults then)
}
CALLS_PER_SECOND = {"free": 20 / 60, "standard": 10.0}  # F0 and S0 rate limits
LIMITS = photos.PhotoLimits(  # Azure takes 1 KB to 6 MB of JPEG, PNG, GIF or BMP, any side we would send
    SERVICE, max_bytes=6 * 1024 * 1024, max_side=None, formats=frozenset({"JPEG", "PNG", "GIF", "BMP"}), min_side=0,
    min_bytes=1024, shrink_side=1920,  # a copy of a photo over 6 MB: Azure's detector looks at about 1920×1080 at most
)


@dataclass(frozen=True)
class LeftoverGroup(Leftover):
    """A person group left by a crashed run: a ``Leftover`` that keeps Azure's name and user data too."""

    name: str = ""
    user_data: str = ""

    @property
    def group_id(self) -> str:
        return self.object_id


def upload_bytes(photo: Path) -> tuple[bytes, str | None]:
    """The bytes to send for ``photo`` and a note when they are not the file as it is: a copy scaled down
    when the file is over Azure's 6 MB limit, or a JPEG copy when Azure cannot read the format or it had to be
    turned upright."""
    return photos.upload_bytes(photo, LIMITS)


def _probe_image() -> bytes:
    """A small faceless PNG over 1 KB: detecting on it tests key, endpoint and approval in one call."""
    noise = np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, format="PNG")
    return buf.getvalue()


class AzureRecognizer(OnlineTracker):
    limits = LIMITS
    name = "azure"
    scale = ScoreScale("confidence", True, "Azure identify confidence")
    confidence_doc = (
        "Azure Face: the confidence Azure's Identify returns for a candidate person (0..1), asked with "
        "confidenceThreshold 0 so that even a weak best guess is recorded. In a study with the clean condition its "
        "threshold is calibrated like the other recognizers'; without one, a face counts as identified when the best "
        "candidate is the right person with confidence ≥ the threshold (0.5 by default, like Azure's). "
        "Confidences of different recognition models (recognition_01 in 2020, recognition_04 now) are not "
        "comparable."
    )

    def __init__(
        self,
        endpoint: str | None = None,
        key: str | None = None,
        *,
        tier: str = "free",
        models: str = "latest",
        threshold: float = DEFAULT_THRESHOLD,
        max_candidates: int = 5,
        calls_per_second: float | None = None,
        max_retries: int = 6,
        timeout_s: float = 30.0,
        backoff_s: float = 2.0,
        training_timeout_s: float = 600.0,
        poll_interval_s: float = 2.0,
        job: Job = NO_JOB,
    ):
        if tier not in CALLS_PER_SECOND:
            raise ValueError(f"Unknown Azure tier '{tier}': choose free or standard.")
        if models not in MODELS:
            raise ValueError(f"Unknown Azure model choice '{models}': choose latest or 2020.")
        endpoint, key = resolve_azure(endpoint, key)
        if not endpoint:
            raise AzureEndpointError(
                "No Azure endpoint: enter it in the settings, or set AZURE_FACE_ENDPOINT for the command line."
            )
        self.threshold = threshold
        self.tier = tier
        self.models = models
        self.recognition_model, self.detection_model = MODELS[models]
        self.max_candidates = max_candidates
        self.training_timeout_s = training_timeout_s
        self.poll_interval_s = poll_interval_s
        self._session = _AzureSession(
            endpoint, key, calls_per_second=calls_per_second or CALLS_PER_SECOND[tier], max_retries=max_retries,
            timeout_s=timeout_s, backoff_s=backoff_s, job=job,
        )
        self.group_id: str | None = None
        self._person_ids: dict[str, str] = {}  # our identity name -> Azure personId
        self._names: dict[str, str] = {}  # Azure personId -> our identity name
        self._trained = False
        self.changed_uploads: list[str] = []  # notes about photos sent as a scaled or re-encoded copy

    # -- settings and progress -------------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        return self._session.endpoint

    @property
    def session(self) -> _AzureSession:
        return self._session

    def plan(self, people: int, training_photos: int, test_photos: int) -> ServicePlan:
        """How many calls a run needs and the least time that takes at the chosen pace."""
        calls = 1 + 1 + people + training_photos + 1 + 3 + 2 * test_photos + 1  # probe, group, ..., delete
        return ServicePlan(SERVICE, calls, (calls - 1) / self._session.calls_per_second)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "service": "Azure Face API v1.0",
            "sdk": f"azure-cognitiveservices-vision-face {SDK_VERSION}",
            "endpoint": self.endpoint,
            "tier": self.tier,
            "calls_per_second": round(self._session.calls_per_second, 4),
            "recognition_model": self.recognition_model,
            "detection_model": self.detection_model,
            "max_candidates": self.max_candidates,
            "person_group": self.group_id,
            "changed_uploads": list(self.changed_uploads),
        }

    # -- the Recognizer interface ----------------------------------------------------------------------------

    def enrol(self, person: str, photo: Path) -> None:
        data = self._upload(photo)
        person_id = self._person(person)
        self._session.call(
            f"adding {Path(photo).name} to {person}",
            lambda: self._client.person_group_person.add_face_from_stream(
                self.group_id, person_id, io.BytesIO(data), detection_model=self.detection_model
            ),
            photo,
        )
        self._trained = False

    def train(self, job: Job = NO_JOB) -> None:
        if job is not NO_JOB:
            self.set_job(job)
        if not self._person_ids:
            raise AzureError("No training photo could be enrolled, so there is nobody to recognise.")
        session = self._session
        session.call("starting training", lambda: self._client.person_group.train(self.group_id))
        started, polls = time.monotonic(), 0
        while True:
            status = session.call(
                "checking training", lambda: self._client.person_group.get_training_status(self.group_id)
            )
            state = getattr(status.status, "value", status.status)
            if state == "succeeded":
                self._trained = True
                return
            if state == "failed":
                reason = status.message or "no reason given"
                raise AzureTrainingError(f"Azure could not train the person group: {reason}.")
            waited = time.monotonic() - started
            # a small group trains in about a second: ask again soon, then every poll_interval_s
            wait, polls = min(self.poll_interval_s, 0.5 * 2**polls), polls + 1
            if waited + wait > self.training_timeout_s:
                raise AzureTrainingError(
                    f"Azure training did not finish within {self.training_timeout_s:g} s (last state: {state}); "
                    "try again later."
                )
            session.wait(wait)

    def identify(self, photo: Path) -> list[Candidate]:
        if not self._trained:
            self.train()
        data = self._upload(photo)
        name = Path(photo).name
        faces = self._session.call(
            f"detecting the face in {name}",
            lambda: self._client.face.detect_with_stream(
                io.BytesIO(data), return_face_id=True, recognition_model=self.recognition_model,
                detection_model=self.detection_model,
            ),
            photo,
        )
        if not faces:
            raise NoFaceFound(photo)
        results = self._session.call(
            f"identifying {name}",
            lambda: self._client.face.identify(
                [faces[0].face_id],  # Azure lists faces largest first, like the local recognizers use
                person_group_id=self.group_id,
                max_num_of_candidates_returned=self.max_candidates,
                confidence_threshold=0.0,  # keep Azure's best guess; the study applies ``threshold`` to it
            ),
            photo,
        )
        candidates = results[0].candidates if results else []
        ranked = sorted(candidates, key=lambda c: c.confidence, reverse=True)
        return [Candidate(self._names[c.person_id], c.confidence, c.confidence) for c in ranked]

    def close(self) -> None:
        """Delete this run's person group; on failure say so (it then shows in ``leftover_groups``)."""
        with self._session:
            if self.group_id is None:
                return
            group, self.group_id = self.group_id, None
            self._session.closing = True
            try:
                self._session.call("deleting the person group", lambda: self._client.person_group.delete(group))
            except AzureNotFound:
                pass
            except AzureError as exc:
                self._session.note(f"Could not delete the Azure person group {group}: {exc} "
                                   "Delete it from the settings.")
            finally:
                self._session.closing = False

    # -- helpers ---------------------------------------------------------------------------------------------

    @property
    def _client(self):
        return self._session.client

    def _person(self, person: str) -> str:
        if self.group_id is None:
            self._create_group()
        if person not in self._person_ids:
            created = self._session.call(
                f"creating person {person}",
                lambda: self._client.person_group_person.create(self.group_id, name=person[:128]),
            )
            self._person_ids[person] = created.person_id
            self._names[created.person_id] = person
        return self._person_ids[person]

    def _create_group(self) -> None:
        # Probe first: an unapproved resource may accept groups and uploads and only refuse at detect, which
        # would come after minutes of enrolment on the free tier. This stops the study at its first call.
        _probe(self._session, self.recognition_model, self.detection_model)
        if self._session.calls_per_second < 1:
            self._session.note(
                f"Azure {self.tier} tier: calls go out {1 / self._session.calls_per_second:g} s apart; every training "
                "photo takes one call and every test photo two."
            )
        group_id = f"{GROUP_PREFIX}{uuid.uuid4().hex}"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self._session.call(
            "creating the person group",
            lambda: self._client.person_group.create(
                group_id, name=f"Fawkes Tracker study {stamp}", user_data="Made by Fawkes Tracker; safe to delete.",
                recognition_model=self.recognition_model,
            ),
        )
        self.group_id = group_id


def _probe(session: _AzureSession, recognition_model: str, detection_model: str) -> None:
    """One detect with a face ID on a faceless image: raises if the key, endpoint or approval is wrong."""
    image = _probe_image()
    try:
        session.call(
            "checking the connection",
            lambda: session.client.face.detect_with_stream(
                io.BytesIO(image), return_face_id=True, recognition_model=recognition_model,
                detection_model=detection_model,
            ),
            Path("connection-test.png"),
        )
    except UnusableImage:
        pass  # the service got as far as looking at the image, so key, endpoint and approval are fine


def test_connection(endpoint: str, key: str, *, models: str = "latest", timeout_s: float = 15.0) -> tuple[bool, str]:
    """Whether the Azure Face resource can be used for the study, in one call; the message says why not."""
    try:
        with _AzureSession(endpoint, key, calls_per_second=CALLS_PER_SECOND["standard"], max_retries=0,
                           timeout_s=timeout_s) as session:
            _probe(session, *MODELS[models])
    except AzureRateLimited:
        return True, "Connected; the key and endpoint work, but Azure says the rate limit is reached right now."
    except AzureError as exc:
        return False, str(exc)
    return True, f"Connected to {session.endpoint}: the key works and the resource may use identification."


test_connection.__test__ = False  # a library function, not a pytest test


def _admin_session(endpoint: str, key: str, tier: str, job: Job) -> _AzureSession:
    return _AzureSession(endpoint, key, calls_per_second=CALLS_PER_SECOND[tier], job=job)


def leftover_groups(endpoint: str, key: str, job: Job = NO_JOB, *, tier: str = "free") -> list[LeftoverGroup]:
    """Person groups this app made that still exist (left by a crashed or killed run)."""
    found, start = [], None
    with _admin_session(endpoint, key, tier, job) as session:
        while True:
            page = session.call("listing person groups",
                                lambda: session.client.person_group.list(start=start, top=1000))
            found += [g for g in page if g.person_group_id.startswith(GROUP_PREFIX)]
            if len(page) < 1000:
                return [LeftoverGroup("azure", g.person_group_id, f"person group {g.person_group_id}"
                                      + (f" ({g.name})" if g.name else ""), g.name or "", g.user_data or "")
                        for g in found]
            start = page[-1].person_group_id


def delete_group(endpoint: str, key: str, group_id: str, job: Job = NO_JOB, *, tier: str = "free") -> None:
    """Delete one person group (a group already gone counts as deleted)."""
    with _admin_session(endpoint, key, tier, job) as session:
        try:
            session.call(f"deleting person group {group_id}", lambda: session.client.person_group.delete(group_id))
        except AzureNotFound:
            pass
