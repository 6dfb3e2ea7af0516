"""A local stand-in for the Azure Face API v1.0, the one remote service the tests cannot reach.

It speaks the wire protocol the SDK uses (routes, key header, chunked uploads, error envelopes) and decides
who is in a photo by a real method: dlib's face detector and 128-number descriptor, the same pieces as our
local ``DlibRecognizer``; a person is the mean of their added faces' descriptors, and identify ranks people
by distance with ``DlibRecognizer.confidence``. So a study through the Azure backend against this server
gives the same answers as the local dlib recognizer on the same photos.

Misbehaviour on demand (attributes, changeable while it runs): ``unapproved`` (403 UnsupportedFeature on
face IDs and identify), ``rate_limit_every`` (429 to every Nth call, ``retry_hint`` "header", "message" or
"none"), ``fail_next`` (that many 5xx answers), ``delay_s`` (slow answers), ``training_states``,
``quota_left`` (calls until the free tier's monthly quota is used up: 403 after that), ``busy`` (409
ConcurrentOperationConflict on every change to a group, as while another client trains it).
Like the real service, a group's training takes effect only once its status has been reported
``succeeded``: identify before that answers 409 PersonGroupTrainingNotFinished.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import numpy as np

from tests.standin_server import EVERY_NTH, FAIL, StandInHandler, StandInServer, UnreadableImage

API = "/face/v1.0"
RECOGNITION_MODELS = {"recognition_01", "recognition_02", "recognition_03", "recognition_04"}
DETECTION_MODELS = {"detection_01", "detection_02", "detection_03"}
DEFAULT_IDENTIFY_THRESHOLD = 0.5
UNAPPROVED = {
    "error": {
        "code": "InvalidRequest",
        "message": "Invalid request has been sent.",
        "innererror": {
            "code": "UnsupportedFeature",
            "message": "Feature is not supported, missing approval for one or more of the following features: "
            "Identification,Verification. Please apply for access at https://aka.ms/facerecognition",
        },
    }
}
QUOTA_EXCEEDED = ("Out of call volume quota for FaceAPI F0 pricing tier. Please retry after 8 days. To increase your "
                  "call volume switch to a paid tier.")
CONFLICT = "There is a conflict operation on requested resource, please try later."
ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an "
    "active subscription and use a correct regional API endpoint for your resource."
)


class _Answer(Exception):
    """Raised inside a route to send an error envelope."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.body = status, {"error": {"code": code, "message": message}}


@dataclass
class _Person:
    name: str
    faces: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class _Group:
    name: str
    user_data: str
    recognition_model: str
    persons: dict[str, _Person] = field(default_factory=dict)
    trained: dict[str, np.ndarray] | None = None  # personId -> mean descriptor, as of the last training
    training: list[str] | None = None  # states still to report, the last one sticks
    ready: bool = False  # training reported "succeeded": identify may use ``trained``


@dataclass
class Logged:
    method: str
    path: str
    query: dict
    status: int
    chunked: bool
    at: float  # time.monotonic() when the request arrived


class _Handler(StandInHandler):
    standin: FaceApiStandIn

    def do_GET(self):
        self._serve()

    do_PUT = do_POST = do_DELETE = do_GET

    def _serve(self):
        arrived = time.monotonic()
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        body = self._read_chunked() if chunked else self.body()
        status, headers, payload = self.standin.answer(self.command, self.path, self.headers, body)
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.standin.log.append(Logged(self.command, url.path, query, status, chunked, arrived))
        data = b"" if payload is None else json.dumps(payload).encode()
        if data:
            headers = {**headers, "Content-Type": "application/json; charset=utf-8"}
        self.reply(status, data, headers)

    def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(parts)
            parts.append(self.rfile.read(size))
            self.rfile.readline()  # the CRLF after each chunk


class FaceApiStandIn(StandInServer):
    handler = _Handler

    def __init__(self, key: str = "standin-key-0123456789abcdef"):
        super().__init__()
        self.key = key
        self.unapproved = False
        self.rate_limit_every = 0
        self.retry_hint = "header"  # "header": Retry-After header; "message": only in the text; "none"
        self.retry_after_s = 1
        self.fail_status = 503
        self.training_states = ["nonstarted", "running", "succeeded"]
        self.quota_left: int | None = None
        self.busy = False
        self.groups: dict[str, _Group] = {}
        self.log: list[Logged] = []
        self._face_ids: dict[str, tuple[np.ndarray, str]] = {}

    @property
    def endpoint(self) -> str:
        return self.address

    def statuses(self) -> list[int]:
        return [entry.status for entry in self.log]

    # -- one request -------------------------------------------------------------------------------------------

    def answer(self, method: str, url: str, headers, body: bytes) -> tuple[int, dict, object]:
        """(status, extra headers, JSON body or None) for one request."""
        parsed = urlparse(url)
        if not parsed.path.startswith(API + "/"):
            return 404, {}, {"error": {"code": "404", "message": "Resource not found"}}
        if headers.get("Ocp-Apim-Subscription-Key") != self.key:
            return 401, {}, {"error": {"code": "401", "message": ACCESS_DENIED}}
        trouble = self.misbehave(self.rate_limit_every)
        if trouble == EVERY_NTH:
            return self._rate_limited()
        if trouble == FAIL:
            return self.fail_status, {}, {"error": {"code": "InternalServerError", "message": "Server busy."}}
        with self._lock:
            if self.quota_left is not None:
                if self.quota_left <= 0:
                    return 403, {}, {"error": {"code": "403", "message": QUOTA_EXCEEDED}}
                self.quota_left -= 1
            if self.busy and method in ("PUT", "POST", "DELETE") and parsed.path.startswith(API + "/persongroups/"):
                return 409, {}, {"error": {"code": "ConcurrentOperationConflict", "message": CONFLICT}}
        query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        path = parsed.path[len(API):]
        try:
            for pattern, verb, route in _ROUTES:
                found = re.fullmatch(pattern, path)
                if found and verb == method:
                    return route(self, *found.groups(), query=query, body=body)
            return 404, {}, {"error": {"code": "404", "message": "Resource not found"}}
        except _Answer as answer:
            return answer.status, {}, answer.body

    def _rate_limited(self):
        hint = "" if self.retry_hint == "none" else f" Try again in {self.retry_after_s} seconds."
        headers = {"Retry-After": str(self.retry_after_s)} if self.retry_hint == "header" else {}
        return 429, headers, {"error": {"code": "429", "message": "Rate limit is exceeded." + hint}}

    # -- routes ------------------------------------------------------------------------------------------------

    def _group(self, group_id: str) -> _Group:
        if group_id not in self.groups:
            raise _Answer(404, "PersonGroupNotFound", f"Person group '{group_id}' is not found.")
        return self.groups[group_id]

    def create_group(self, group_id, *, query, body):
        if not re.fullmatch(r"[a-z0-9-_]{1,64}", group_id):
            raise _Answer(400, "BadArgument", "Invalid PersonGroupId.")
        spec = json.loads(body or b"{}")
        model = spec.get("recognitionModel", "recognition_01")
        if model not in RECOGNITION_MODELS:
            raise _Answer(400, "BadArgument", "Invalid recognition model.")
        with self._lock:
            if group_id in self.groups:
                raise _Answer(409, "PersonGroupExists", "Person group already exists.")
            self.groups[group_id] = _Group(spec.get("name", ""), spec.get("userData", ""), model)
        return 200, {}, None

    def list_groups(self, *, query, body):
        start, top = query.get("start", ""), int(query.get("top", "1000"))
        ids = sorted(g for g in self.groups if g > start)[:top]
        return 200, {}, [{"personGroupId": g, "name": self.groups[g].name, "userData": self.groups[g].user_data}
                         for g in ids]

    def delete_group(self, group_id, *, query, body):
        self._group(group_id)
        del self.groups[group_id]
        return 200, {}, None

    def create_person(self, group_id, *, query, body):
        person_id = str(uuid.uuid4())
        self._group(group_id).persons[person_id] = _Person(json.loads(body or b"{}").get("name", ""))
        return 200, {}, {"personId": person_id}

    def add_face(self, group_id, person_id, *, query, body):
        group = self._group(group_id)
        if person_id not in group.persons:
            raise _Answer(404, "PersonNotFound", "Person is not found.")
        _check_model(query.get("detectionModel", "detection_01"), DETECTION_MODELS)
        faces = self._faces_in(body)
        if not faces:
            raise _Answer(400, "InvalidImage", "No face detected in the image.")
        if len(faces) > 1:
            raise _Answer(400, "InvalidImage", "There is more than 1 face in the image.")
        face_id = str(uuid.uuid4())
        group.persons[person_id].faces[face_id] = faces[0][1]
        return 200, {}, {"persistedFaceId": face_id}

    def train(self, group_id, *, query, body):
        group = self._group(group_id)
        group.trained = {pid: np.mean(list(p.faces.values()), axis=0) for pid, p in group.persons.items() if p.faces}
        group.training = list(self.training_states)
        group.ready = False
        return 202, {}, None

    def training_status(self, group_id, *, query, body):
        group = self._group(group_id)
        if group.training is None:
            raise _Answer(404, "PersonGroupNotTrained", "Person group not trained.")
        state = group.training.pop(0) if len(group.training) > 1 else group.training[0]
        group.ready = group.ready or state == "succeeded"
        message = "Training failed on the stand-in." if state == "failed" else None
        return 200, {}, {"status": state, "createdDateTime": "2026-01-01T00:00:00Z", "message": message}

    def detect(self, *, query, body):
        recognition = _check_model(query.get("recognitionModel", "recognition_01"), RECOGNITION_MODELS)
        _check_model(query.get("detectionModel", "detection_01"), DETECTION_MODELS)
        with_ids = query.get("returnFaceId", "true").lower() == "true"
        if with_ids and self.unapproved:
            return 403, {}, UNAPPROVED
        found = []
        for (left, top, right, bottom), descriptor in self._faces_in(body):
            face = {"faceRectangle": {"left": left, "top": top, "width": right - left, "height": bottom - top}}
            if with_ids:
                face["faceId"] = str(uuid.uuid4())
                self._face_ids[face["faceId"]] = (descriptor, recognition)
            found.append(face)
        return 200, {}, found

    def identify(self, *, query, body):
        if self.unapproved:
            return 403, {}, UNAPPROVED
        spec = json.loads(body)
        face_ids = spec.get("faceIds") or []
        if not 1 <= len(face_ids) <= 10:
            raise _Answer(400, "BadArgument", "The number of faceIds must be between 1 and 10.")
        group = self._group(spec.get("personGroupId", ""))
        if group.trained is None:
            raise _Answer(400, "PersonGroupNotTrained", "Person group not trained.")
        if not group.ready:
            raise _Answer(409, "PersonGroupTrainingNotFinished", "Person group is under training.")
        most = int(spec.get("maxNumOfCandidatesReturned") or 1)
        threshold = spec.get("confidenceThreshold")
        threshold = DEFAULT_IDENTIFY_THRESHOLD if threshold is None else float(threshold)
        results = []
        for face_id in face_ids:
            if face_id not in self._face_ids:
                raise _Answer(400, "FaceNotFound", "Face is not found.")
            descriptor, model = self._face_ids[face_id]
            if model != group.recognition_model:
                raise _Answer(400, "BadArgument", "'recognitionModel' is incompatible.")
            scored = [(self._faces.dlib.confidence(float(np.linalg.norm(mean - descriptor))), pid)
                      for pid, mean in group.trained.items()]
            kept = sorted((s for s in scored if s[0] >= threshold), reverse=True)[:most]
            results.append({"faceId": face_id, "candidates": [{"personId": p, "confidence": c} for c, p in kept]})
        return 200, {}, results

    def _faces_in(self, body: bytes):
        if len(body) < 1024:
            raise _Answer(400, "InvalidImageSize", "Image size is too small.")
        if len(body) > 6 * 1024 * 1024:
            raise _Answer(400, "InvalidImageSize", "Image size is too big.")
        try:
            return self._faces.of(body)
        except UnreadableImage:
            raise _Answer(400, "InvalidImage", "Decoding error, image format unsupported.") from None


def _check_model(name: str, allowed: set[str]) -> str:
    if name not in allowed:
        raise _Answer(400, "BadArgument", f"Invalid model '{name}'.")
    return name


_ID = r"([^/]+)"
_ROUTES = [
    (r"/persongroups", "GET", FaceApiStandIn.list_groups),
    (rf"/persongroups/{_ID}", "PUT", FaceApiStandIn.create_group),
    (rf"/persongroups/{_ID}", "DELETE", FaceApiStandIn.delete_group),
    (rf"/persongroups/{_ID}/persons", "POST", FaceApiStandIn.create_person),
    (rf"/persongroups/{_ID}/persons/{_ID}/persistedfaces", "POST", FaceApiStandIn.add_face),
    (rf"/persongroups/{_ID}/train", "POST", FaceApiStandIn.train),
    (rf"/persongroups/{_ID}/training", "GET", FaceApiStandIn.training_status),
    (r"/detect", "POST", FaceApiStandIn.detect),
    (r"/identify", "POST", FaceApiStandIn.identify),
]
