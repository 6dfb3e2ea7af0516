"""A local stand-in for Face++ v3, the remote service the tests cannot (and must not) reach.

It speaks Face++'s wire protocol: multipart/form-data (or url-encoded) POSTs to ``/facepp/v3/<call>`` with
``api_key`` and ``api_secret`` as form fields, JSON answers with ``request_id`` and ``time_used``, and errors
as ``{"error_message": "CODE[:detail]"}`` with the documented statuses (401 AUTHENTICATION_ERROR, 403
AUTHORIZATION_ERROR / CONCURRENCY_LIMIT_EXCEEDED, 400 for bad arguments and images, 500 INTERNAL_ERROR).
Who is in a photo is decided honestly, by dlib's detector and 128-number descriptor (``tests.standin_server``'s
cache, shared by every stand-in, so a photo is described once per test session): ``detect`` gives a token for every face, largest first;
``search`` ranks the faceset's faces by a confidence that falls with the dlib distance,
``100 × max(0, 1 − d / 1.2)`` (dlib's usual 0.6 is 50), and returns the best ``return_result_count`` (1..5)
with Face++'s published ``thresholds``.

Misbehaviour on demand (attributes, changeable while it runs): ``concurrency_every`` (403
CONCURRENCY_LIMIT_EXCEEDED to every Nth call), ``fail_next`` (that many 500 answers), ``lose_next`` (that many
calls carried out but answered 500, as when an answer is lost on the way), ``authorization_error``
(403 AUTHORIZATION_ERROR:<it> to every call), ``delay_s``, ``forget_tokens()`` (face tokens outside any
faceset expire, as after Face++'s 72 hours). ``log`` holds every call: the endpoint, status, error, the form
fields except the secrets, and the uploaded bytes, to check byte-for-byte uploads.
"""
from __future__ import annotations

import io
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import numpy as np
from PIL import Image

from tests.standin_server import EVERY_NTH, FAIL, StandInHandler, StandInServer, UnreadableImage

API = "/facepp/v3"
THRESHOLDS = {"1e-3": 62.327, "1e-4": 69.101, "1e-5": 73.975}
MAX_FILE_BYTES = 2 * 1024 * 1024
NOT_ALLOWED = set("^@,&=*'\"")


class _Error(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class _Face:
    descriptor: np.ndarray
    rectangle: dict
    user_id: str = ""
    facesets: set = field(default_factory=set)


@dataclass
class _Faceset:
    token: str
    outer_id: str
    display_name: str
    tags: list[str]
    user_data: str
    faces: list[str] = field(default_factory=list)


@dataclass
class Logged:
    path: str  # "detect", "faceset/create", ...
    status: int
    error: str  # "" when it answered 200
    fields: dict  # the form fields, api_key and api_secret left out
    upload: bytes | None  # image_file as it arrived
    at: float  # time.monotonic() when it arrived


class _Handler(StandInHandler):
    standin: FaceppStandIn

    def do_POST(self):
        arrived = time.monotonic()
        body = self.body()
        path = self.path.split("?")[0]
        fields, files = {}, {}
        try:
            fields, files = parse_form(self.headers.get("Content-Type", ""), body)
            status, payload = self.standin.answer(path, fields, files)
            error = ""
        except _Error as exc:
            status, error = exc.status, exc.message
            payload = {"request_id": f"{int(time.time())},{uuid.uuid4()}", "time_used": 0, "error_message": error}
        shown = {k: v for k, v in fields.items() if k not in ("api_key", "api_secret")}
        self.standin.log.append(Logged(path.removeprefix(API + "/"), status, error, shown, files.get("image_file"), arrived))
        self.reply(status, json.dumps(payload).encode(), {"Content-Type": "application/json; charset=utf-8"})

    def do_GET(self):
        self.reply(405, b"", {})


class FaceppStandIn(StandInServer):
    handler = _Handler

    def __init__(self, key: str = "standin-facepp-key-0123456789", secret: str = "standin-facepp-secret-9876543210"):
        super().__init__()
        self.key, self.secret = key, secret
        self.concurrency_every = 0
        self.lose_next = 0  # that many calls done, but answered 500 (the answer lost on the way)
        self.authorization_error: str | None = None
        self.max_file_bytes = MAX_FILE_BYTES
        self.facesets: dict[str, _Faceset] = {}  # faceset_token -> faceset
        self.faces: dict[str, _Face] = {}  # face_token -> face
        self.log: list[Logged] = []

    @property
    def endpoint(self) -> str:
        return f"{self.address}{API}"

    def calls(self, path: str | None = None) -> list[Logged]:
        return [e for e in self.log if path is None or e.path == path]

    def forget_tokens(self) -> None:
        """Face tokens in no faceset expire (Face++ keeps them 72 hours)."""
        with self._lock:
            self.faces = {t: f for t, f in self.faces.items() if f.facesets}

    # -- one request -------------------------------------------------------------------------------------------

    def answer(self, path: str, fields: dict, files: dict) -> tuple[int, dict]:
        if not path.startswith(API + "/"):
            raise _Error(404, "API_NOT_FOUND")
        for name in ("api_key", "api_secret"):
            if not fields.get(name):
                raise _Error(400, f"MISSING_ARGUMENTS:{name}")
        if (fields["api_key"], fields["api_secret"]) != (self.key, self.secret):
            raise _Error(401, "AUTHENTICATION_ERROR")
        if self.authorization_error:
            raise _Error(403, f"AUTHORIZATION_ERROR:{self.authorization_error}")
        trouble = self.misbehave(self.concurrency_every)
        if trouble == EVERY_NTH:
            raise _Error(403, "CONCURRENCY_LIMIT_EXCEEDED")
        if trouble == FAIL:
            raise _Error(500, "INTERNAL_ERROR")
        route = _ROUTES.get(path[len(API) + 1:])
        if route is None:
            raise _Error(404, "API_NOT_FOUND")
        started = time.monotonic()
        body = route(self, fields, files)
        with self._lock:
            if self.lose_next > 0:
                self.lose_next -= 1
                raise _Error(500, "INTERNAL_ERROR")
        return 200, {"request_id": f"{int(time.time())},{uuid.uuid4()}",
                     "time_used": int((time.monotonic() - started) * 1000), **body}

    # -- routes ------------------------------------------------------------------------------------------------

    def detect(self, fields, files):
        found = self._faces_in(fields, files)
        faces = []
        with self._lock:
            for rectangle, descriptor in found:
                token = uuid.uuid4().hex
                self.faces[token] = _Face(descriptor, rectangle)
                faces.append({"face_token": token, "face_rectangle": rectangle})
        return {"image_id": uuid.uuid4().hex[:22], "faces": faces, "face_num": len(faces)}

    def create(self, fields, files):
        outer_id = fields.get("outer_id", "")
        if len(outer_id) > 255 or NOT_ALLOWED & set(outer_id):
            raise _Error(400, "BAD_ARGUMENTS:outer_id")
        with self._lock:
            if outer_id and any(f.outer_id == outer_id for f in self.facesets.values()):
                raise _Error(400, "FACESET_EXIST")
            if len(self.facesets) >= 1000:
                raise _Error(403, "FACESET_QUOTA_EXCEEDED")
            token = uuid.uuid4().hex
            tags = [t for t in fields.get("tags", "").split(",") if t]
            self.facesets[token] = _Faceset(token, outer_id, fields.get("display_name", ""), tags,
                                            fields.get("user_data", ""))
        return {"faceset_token": token, "outer_id": outer_id, "face_added": 0, "face_count": 0, "failure_detail": []}

    def addface(self, fields, files):
        faceset = self._faceset(fields)
        tokens = [t for t in fields.get("face_tokens", "").split(",") if t]
        if not 1 <= len(tokens) <= 5:
            raise _Error(400, "INVALID_FACE_TOKENS_SIZE")
        failures, added = [], 0
        with self._lock:
            for token in tokens:
                if token not in self.faces:
                    failures.append({"face_token": token, "reason": "INVALID_FACE_TOKEN"})
                elif token not in faceset.faces:
                    faceset.faces.append(token)
                    self.faces[token].facesets.add(faceset.token)
                    added += 1
        return {"faceset_token": faceset.token, "outer_id": faceset.outer_id, "face_added": added,
                "face_count": len(faceset.faces), "failure_detail": failures}

    def delete(self, fields, files):
        faceset = self._faceset(fields)
        if fields.get("check_empty", "1") != "0" and faceset.faces:
            raise _Error(400, "FACESET_NOT_EMPTY")
        with self._lock:
            del self.facesets[faceset.token]
            for token in faceset.faces:
                if token in self.faces:
                    self.faces[token].facesets.discard(faceset.token)
        return {"faceset_token": faceset.token, "outer_id": faceset.outer_id}

    def getfacesets(self, fields, files):
        wanted = {t for t in fields.get("tags", "").split(",") if t}
        start = int(fields.get("start") or 1)
        listed = [f for f in self.facesets.values() if wanted <= set(f.tags)]
        page = listed[start - 1:start - 1 + 100]
        answer = {"facesets": [{"faceset_token": f.token, "outer_id": f.outer_id, "display_name": f.display_name,
                                "tags": ",".join(f.tags)} for f in page]}
        if start - 1 + 100 < len(listed):
            answer["next"] = start + 100
        return answer

    def getdetail(self, fields, files):
        faceset = self._faceset(fields)
        return {"faceset_token": faceset.token, "outer_id": faceset.outer_id, "display_name": faceset.display_name,
                "user_data": faceset.user_data, "tags": ",".join(faceset.tags), "face_count": len(faceset.faces),
                "face_tokens": faceset.faces[:100]}

    def setuserid(self, fields, files):
        token, user_id = fields.get("face_token", ""), fields.get("user_id", "")
        if token not in self.faces:
            raise _Error(400, "INVALID_FACE_TOKEN")
        if len(user_id) > 255 or NOT_ALLOWED & set(user_id):
            raise _Error(400, "BAD_ARGUMENTS:user_id")
        self.faces[token].user_id = user_id
        return {"face_token": token, "user_id": user_id}

    def search(self, fields, files):
        faceset = self._faceset(fields)
        try:
            most = int(fields.get("return_result_count", "1"))
        except ValueError:
            raise _Error(400, "BAD_ARGUMENTS:return_result_count") from None
        if not 1 <= most <= 5:
            raise _Error(400, "BAD_ARGUMENTS:return_result_count")
        if not faceset.faces:
            raise _Error(400, "EMPTY_FACESET")
        if fields.get("face_token"):
            if fields["face_token"] not in self.faces:
                raise _Error(400, "INVALID_FACE_TOKEN")
            face = self.faces[fields["face_token"]]
            found = [(face.rectangle, face.descriptor)]
        else:
            found = self._faces_in(fields, files)
        answer = {"image_id": uuid.uuid4().hex[:22], "faces": []}
        if not found:
            return answer  # no face: no results and no thresholds, as Face++ answers
        rectangle, descriptor = found[0]  # the largest face
        token = uuid.uuid4().hex
        self.faces[token] = _Face(descriptor, rectangle)
        scored = sorted(((confidence(float(np.linalg.norm(self.faces[t].descriptor - descriptor))), t)
                         for t in faceset.faces), key=lambda s: -s[0])[:most]
        answer["faces"] = [{"face_token": token, "face_rectangle": rectangle}]
        answer["results"] = [{"face_token": t, "confidence": c, "user_id": self.faces[t].user_id} for c, t in scored]
        answer["thresholds"] = dict(THRESHOLDS)
        return answer

    # -- helpers -----------------------------------------------------------------------------------------------

    def _faceset(self, fields) -> _Faceset:
        if fields.get("faceset_token"):
            if fields["faceset_token"] not in self.facesets:
                raise _Error(400, "INVALID_FACESET_TOKEN")
            return self.facesets[fields["faceset_token"]]
        for faceset in self.facesets.values():
            if faceset.outer_id and faceset.outer_id == fields.get("outer_id"):
                return faceset
        if "outer_id" not in fields:
            raise _Error(400, "MISSING_ARGUMENTS:faceset_token, outer_id")
        raise _Error(400, "INVALID_OUTER_ID")

    def _faces_in(self, fields, files) -> list[tuple[dict, np.ndarray]]:
        """Every face of image_file, largest first, as (face_rectangle, descriptor); Face++'s image checks."""
        data = files.get("image_file")
        if data is None:
            raise _Error(400, "MISSING_ARGUMENTS:image_url, image_file, image_base64")
        if len(data) > self.max_file_bytes:
            raise _Error(400, "IMAGE_FILE_TOO_LARGE")
        try:
            with Image.open(io.BytesIO(data)) as img:
                fmt, (width, height) = img.format, img.size
        except Exception:
            raise _Error(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT:image_file") from None
        if fmt not in ("JPEG", "PNG"):
            raise _Error(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT:image_file")
        if min(width, height) < 48 or max(width, height) > 4096:
            raise _Error(400, "INVALID_IMAGE_SIZE:image_file")
        try:
            faces = self._faces.of(data)
        except UnreadableImage:
            raise _Error(400, "IMAGE_ERROR_UNSUPPORTED_FORMAT:image_file") from None
        return [({"top": top, "left": left, "width": right - left, "height": bottom - top}, descriptor)
                for (left, top, right, bottom), descriptor in faces]


def confidence(distance: float) -> float:
    """Face++'s 0–100 from a dlib distance: falls with it, 50 at dlib's usual 0.6, three decimals as Face++."""
    return round(100 * max(0.0, 1 - distance / 1.2), 3)


_ROUTES = {
    "detect": FaceppStandIn.detect,
    "search": FaceppStandIn.search,
    "faceset/create": FaceppStandIn.create,
    "faceset/addface": FaceppStandIn.addface,
    "faceset/delete": FaceppStandIn.delete,
    "faceset/getfacesets": FaceppStandIn.getfacesets,
    "faceset/getdetail": FaceppStandIn.getdetail,
    "face/setuserid": FaceppStandIn.setuserid,
}


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """(fields, files) of a multipart/form-data or url-encoded body."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: v[-1] for k, v in parse_qs(body.decode()).items()}, {}
    found = re.search(r'boundary="?([^";]+)"?', content_type)
    if not found:
        raise _Error(400, "BAD_ARGUMENTS:content-type")
    fields, files = {}, {}
    for part in body.split(b"--" + found.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        disposition = next((line for line in head.decode("utf-8", "replace").split("\r\n")
                            if line.lower().startswith("content-disposition")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        if name is None:
            continue
        if "filename=" in disposition:
            files[name.group(1)] = data
        else:
            fields[name.group(1)] = data.decode("utf-8")
    return fields, files
