"""A local stand-in for Amazon Rekognition's face collections, which the tests must never reach for real.

It speaks the wire protocol boto3 uses (JSON 1.1: ``POST /`` with ``X-Amz-Target: RekognitionService.<Operation>``,
base64 image bytes in the JSON body, errors as ``{"__type": ..., "message": ...}`` with their HTTP status) and checks
each request's SigV4 signature against its own key pair, so a wrong access key id answers
UnrecognizedClientException and a wrong secret InvalidSignatureException, as AWS does.

Who is in a photo is decided by a real method: dlib's detector and descriptor, shared with the other stand-ins
(``tests.standin_server``), the same pieces as our local ``DlibRecognizer``. A user is the mean of its faces'
descriptors; a search ranks users by similarity = 100 / (1 + (d / 0.8485)⁴) of the dlib distance d, which falls
steadily with d and is 80 (Rekognition's default line) at dlib's usual same-person distance 0.6. So a study
through the Rekognition backend against this server ranks people exactly as the local dlib recognizer does.

Misbehaviour on demand (attributes, changeable while it runs): ``throttle_every`` (``throttle_code`` to every Nth
call), ``fail_next`` (that many 500 InternalServerError), ``delay_s``, ``max_bytes`` (larger images refused with
ImageTooLargeException), ``unindexed_reasons`` (IndexFaces sees the face but will not index it),
``lose_next`` (that many calls carried out but answered 500, as when an answer is lost on the way), ``no_face_error`` (SearchUsersByImage answers a faceless photo with InvalidParameterException, as
SearchFacesByImage does, instead of an empty answer), ``updating_polls`` (users stay UPDATING, and unsearchable,
until ListUsers has reported them that many times), ``denied`` (operations answered AccessDeniedException).
``log`` records every call: its operation, status and the image bytes received.
"""
from __future__ import annotations

import base64
import hmac
import io
import json
import re
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from PIL import Image, ImageOps

from tests.standin_server import EVERY_NTH, FAIL, StandInHandler, StandInServer

MODEL_VERSION = "7.0"
D0 = 0.6 / 0.25 ** 0.25  # similarity 80 at distance 0.6
AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                  r"SignedHeaders=([^,]+), Signature=([0-9a-f]+)")
BAD_TOKEN = "The security token included in the request is invalid."
BAD_SIGNATURE = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                 "Secret Access Key and signing method. Consult the service documentation for details.")


def similarity(distance: float) -> float:
    return 100.0 / (1.0 + (distance / D0) ** 4)


class Fault(Exception):
    """Raised inside an operation to send an AWS error answer."""

    def __init__(self, kind: str, message: str, status: int = 400):
        self.kind, self.message, self.status = kind, message, status


@dataclass
class _Collection:
    created: float
    faces: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)  # FaceId -> (descriptor, ExternalImageId)
    users: dict[str, list[str]] = field(default_factory=dict)  # UserId -> FaceIds
    tokens: dict[str, str] = field(default_factory=dict)  # UserId -> the ClientRequestToken that made it
    polls_left: dict[str, int] = field(default_factory=dict)  # UserId -> ListUsers answers still UPDATING


@dataclass
class Logged:
    operation: str
    status: int
    error: str  # the __type of an error answer, else ""
    image: bytes | None  # the image bytes as received (base64 decoded)
    at: float  # time.monotonic() when the request arrived


class _Handler(StandInHandler):
    standin: RekognitionStandIn

    def do_POST(self):
        status, payload, logged = self.standin.answer(self.path, self.headers, self.body())
        self.standin.log.append(logged)
        self.reply(status, json.dumps(payload).encode(),
                   {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": str(uuid.uuid4())})


class RekognitionStandIn(StandInServer):
    handler = _Handler

    def __init__(self, access_key_id: str = "AKIASTANDIN000000001", secret_key: str = "standin/Secret+Key0123456789abcdefghijklm",
                 region: str = "eu-west-1"):
        super().__init__()
        self.access_key_id, self.secret_key, self.region = access_key_id, secret_key, region
        self.throttle_every, self.throttle_code = 0, "ThrottlingException"
        self.max_bytes = 5 * 1024 * 1024
        self.unindexed_reasons: list[str] | None = None
        self.no_face_error = False
        self.lose_next = 0  # that many calls done, but answered 500 (the answer lost on the way)
        self.updating_polls = 0
        self.denied: set[str] = set()
        self.page_size = 1000
        self.collections: dict[str, _Collection] = {}
        self.log: list[Logged] = []

    @property
    def endpoint(self) -> str:
        return self.address

    def operations(self) -> list[str]:
        return [entry.operation for entry in self.log]

    # -- one request -------------------------------------------------------------------------------------------

    def answer(self, path: str, headers, body: bytes) -> tuple[int, dict, Logged]:
        arrived = time.monotonic()
        target = headers.get("X-Amz-Target", "")
        operation = target.split(".", 1)[-1]
        try:
            spec = json.loads(body or b"{}")
        except ValueError:
            spec = {}
        image = _image_bytes(spec)
        try:
            self._check_signature(path, headers, body)
            if not target.startswith("RekognitionService.") or operation not in _OPERATIONS:
                raise Fault("UnknownOperationException", f"Unknown operation {target}")
            trouble = self.misbehave(self.throttle_every)
            if trouble == EVERY_NTH:
                raise Fault(self.throttle_code, "Rate exceeded")
            if trouble == FAIL:
                raise Fault("InternalServerError", "Internal server error", 500)
            with self._lock:
                if operation in self.denied:
                    raise Fault("AccessDeniedException", f"User: arn:aws:iam::123456789012:user/study is not "
                                                         f"authorized to perform: rekognition:{operation}")
                payload = _OPERATIONS[operation](self, spec, image)
                if self.lose_next > 0:
                    self.lose_next -= 1
                    raise Fault("InternalServerError", "Internal server error", 500)
            return 200, payload, Logged(operation, 200, "", image, arrived)
        except Fault as fault:
            return fault.status, {"__type": fault.kind, "message": fault.message}, \
                Logged(operation, fault.status, fault.kind, image, arrived)

    def _check_signature(self, path: str, headers, body: bytes) -> None:
        found = AUTH.fullmatch(headers.get("Authorization", ""))
        if not found:
            raise Fault("MissingAuthenticationTokenException", "Missing Authentication Token")
        key_id, _, region, service, signed, signature = found.groups()
        if key_id != self.access_key_id:
            raise Fault("UnrecognizedClientException", BAD_TOKEN)
        request = AWSRequest(method="POST", url=f"http://{headers.get('Host')}{path}", data=body,
                             headers={name: headers.get(name, "") for name in signed.split(";")})
        request.context["timestamp"] = headers.get("X-Amz-Date", "")
        signer = SigV4Auth(Credentials(key_id, self.secret_key), service, region)
        expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        if not hmac.compare_digest(expected, signature):
            raise Fault("InvalidSignatureException", BAD_SIGNATURE)

    # -- operations --------------------------------------------------------------------------------------------

    def _collection(self, spec: dict) -> _Collection:
        name = spec.get("CollectionId", "")
        if name not in self.collections:
            raise Fault("ResourceNotFoundException", f"The collection id: {name} does not exist")
        return self.collections[name]

    def create_collection(self, spec, image):
        name = spec.get("CollectionId", "")
        if not re.fullmatch(r"[a-zA-Z0-9_.\-]{1,255}", name):
            raise Fault("InvalidParameterException", "Request has invalid parameters")
        if name in self.collections:
            raise Fault("ResourceAlreadyExistsException", f"The collection id: {name} already exists")
        self.collections[name] = _Collection(time.time())
        return {"StatusCode": 200, "CollectionArn": f"aws:rekognition:{self.region}:123456789012:collection/{name}",
                "FaceModelVersion": MODEL_VERSION}

    def delete_collection(self, spec, image):
        self._collection(spec)
        del self.collections[spec["CollectionId"]]
        return {"StatusCode": 200}

    def list_collections(self, spec, image):
        names = sorted(self.collections)
        start = int(spec.get("NextToken") or 0)
        size = min(int(spec.get("MaxResults") or 1000), self.page_size)
        page = names[start:start + size]
        answer = {"CollectionIds": page, "FaceModelVersions": [MODEL_VERSION] * len(page)}
        if start + size < len(names):
            answer["NextToken"] = str(start + size)
        return answer

    def describe_collection(self, spec, image):
        found = self._collection(spec)
        return {"FaceCount": len(found.faces), "UserCount": len(found.users), "FaceModelVersion": MODEL_VERSION,
                "CollectionARN": f"aws:rekognition:{self.region}:123456789012:collection/{spec['CollectionId']}",
                "CreationTimestamp": found.created}

    def index_faces(self, spec, image):
        collection = self._collection(spec)
        faces, size = self._faces_in(image)
        external = spec.get("ExternalImageId")
        if external is not None and not re.fullmatch(r"[a-zA-Z0-9_.\-:]{1,255}", external):
            raise Fault("InvalidParameterException", "Request has invalid parameters")
        most = int(spec.get("MaxFaces") or 100)
        records, unindexed = [], []
        for i, (box, descriptor) in enumerate(faces):  # largest first, as the local recognizers take them
            detail = {"BoundingBox": _ratio_box(box, size), "Confidence": 99.9}
            if self.unindexed_reasons is not None:
                unindexed.append({"Reasons": list(self.unindexed_reasons), "FaceDetail": detail})
            elif i >= most:
                unindexed.append({"Reasons": ["EXCEEDS_MAX_FACES"], "FaceDetail": detail})
            else:
                face_id = str(uuid.uuid4())
                collection.faces[face_id] = (descriptor, external or "")
                face = {"FaceId": face_id, "BoundingBox": detail["BoundingBox"], "ImageId": str(uuid.uuid4()),
                        "Confidence": 99.9, "IndexFacesModelVersion": MODEL_VERSION}
                if external:
                    face["ExternalImageId"] = external
                records.append({"Face": face, "FaceDetail": detail})
        return {"FaceRecords": records, "FaceModelVersion": MODEL_VERSION, "UnindexedFaces": unindexed}

    def create_user(self, spec, image):
        collection = self._collection(spec)
        user, token = spec.get("UserId", ""), spec.get("ClientRequestToken", "")
        if not re.fullmatch(r"[a-zA-Z0-9_.\-:]{1,128}", user):
            raise Fault("InvalidParameterException", "Request has invalid parameters")
        if user in collection.users:
            if token and collection.tokens.get(user) == token:
                return {}  # the same request again: idempotent
            raise Fault("ConflictException", f"User {user} already exists")
        collection.users[user], collection.tokens[user] = [], token
        return {}

    def associate_faces(self, spec, image):
        collection = self._collection(spec)
        user, face_ids = spec.get("UserId", ""), list(spec.get("FaceIds") or [])
        if user not in collection.users:
            raise Fault("ResourceNotFoundException", f"User {user} does not exist")
        if not 1 <= len(face_ids) <= 100:
            raise Fault("InvalidParameterException", "FaceIds must hold 1 to 100 face ids")
        threshold = float(spec.get("UserMatchThreshold", 75.0))
        held = collection.users[user]
        owners = {f: u for u, fs in collection.users.items() for f in fs}
        associated, failed = [], []
        for face_id in face_ids:
            if face_id in held:
                continue
            reason, confidence = None, None
            if face_id not in collection.faces:
                reason = "FACE_NOT_FOUND"
            elif owners.get(face_id) not in (None, user):
                reason = "ASSOCIATED_TO_A_DIFFERENT_USER"
            elif held:
                mean = np.mean([collection.faces[f][0] for f in held], axis=0)
                confidence = similarity(float(np.linalg.norm(mean - collection.faces[face_id][0])))
                reason = "LOW_MATCH_CONFIDENCE" if confidence < threshold else None
            if reason is None and len(held) >= 100:
                raise Fault("ServiceQuotaExceededException", "A user holds 100 faces at most")
            if reason:
                failed.append({"FaceId": face_id, "UserId": user, "Reasons": [reason],
                               **({"Confidence": confidence} if confidence is not None else {})})
            else:
                held.append(face_id)
                associated.append({"FaceId": face_id})
        collection.polls_left[user] = self.updating_polls
        return {"AssociatedFaces": associated, "UnsuccessfulFaceAssociations": failed,
                "UserStatus": "UPDATING" if self.updating_polls else "ACTIVE"}

    def list_users(self, spec, image):
        collection = self._collection(spec)
        users = sorted(collection.users)
        start, size = int(spec.get("NextToken") or 0), min(int(spec.get("MaxResults") or 500), self.page_size)
        listed = []
        for user in users[start:start + size]:
            listed.append({"UserId": user, "UserStatus": self._status(collection, user)})
            if collection.polls_left.get(user, 0) > 0:
                collection.polls_left[user] -= 1
        answer = {"Users": listed}
        if start + size < len(users):
            answer["NextToken"] = str(start + size)
        return answer

    def search_users_by_image(self, spec, image):
        collection = self._collection(spec)
        faces, size = self._faces_in(image)
        if not faces:
            if self.no_face_error:
                raise Fault("InvalidParameterException", "There are no faces in the image. Should be at least 1.")
            return {"UserMatches": [], "FaceModelVersion": MODEL_VERSION, "UnsearchedFaces": []}
        threshold = float(spec.get("UserMatchThreshold", 80.0))
        most = int(spec.get("MaxUsers") or 1)
        descriptor = faces[0][1]
        matches = []
        for user, held in collection.users.items():
            if not held or self._status(collection, user) != "ACTIVE":
                continue
            mean = np.mean([collection.faces[f][0] for f in held], axis=0)
            score = similarity(float(np.linalg.norm(mean - descriptor)))
            if score >= threshold:
                matches.append({"Similarity": score, "User": {"UserId": user, "UserStatus": "ACTIVE"}})
        matches.sort(key=lambda m: -m["Similarity"])
        return {"UserMatches": matches[:most], "FaceModelVersion": MODEL_VERSION,
                "SearchedFace": {"FaceDetail": {"BoundingBox": _ratio_box(faces[0][0], size), "Confidence": 99.9}},
                "UnsearchedFaces": [{"FaceDetails": {"BoundingBox": _ratio_box(box, size)},
                                     "Reasons": ["FACE_NOT_LARGEST"]} for box, _ in faces[1:]]}

    def _status(self, collection: _Collection, user: str) -> str:
        if not collection.users[user]:
            return "CREATED"
        return "UPDATING" if collection.polls_left.get(user, 0) > 0 else "ACTIVE"

    def _faces_in(self, image: bytes | None):
        if not image:
            raise Fault("InvalidParameterException", "Request has invalid parameters")
        if len(image) > self.max_bytes:
            raise Fault("ImageTooLargeException", "Image size is too large.")
        try:
            with Image.open(io.BytesIO(image)) as img:
                fmt = img.format
                size = ImageOps.exif_transpose(img).size
        except Exception:
            raise Fault("InvalidImageFormatException", "Request has invalid image format") from None
        if fmt not in ("JPEG", "PNG"):
            raise Fault("InvalidImageFormatException", "Request has invalid image format")
        if min(size) < 80:
            raise Fault("InvalidParameterException",
                        "Requested image should have width and height greater than or equal to 80")
        return self._faces.of(image), size


_OPERATIONS = {
    "CreateCollection": RekognitionStandIn.create_collection,
    "DeleteCollection": RekognitionStandIn.delete_collection,
    "ListCollections": RekognitionStandIn.list_collections,
    "DescribeCollection": RekognitionStandIn.describe_collection,
    "IndexFaces": RekognitionStandIn.index_faces,
    "CreateUser": RekognitionStandIn.create_user,
    "AssociateFaces": RekognitionStandIn.associate_faces,
    "ListUsers": RekognitionStandIn.list_users,
    "SearchUsersByImage": RekognitionStandIn.search_users_by_image,
}


def _image_bytes(spec: dict) -> bytes | None:
    encoded = (spec.get("Image") or {}).get("Bytes") if isinstance(spec, dict) else None
    return base64.b64decode(encoded) if encoded else None


def _ratio_box(box, size) -> dict:
    (left, top, right, bottom), (width, height) = box, size
    return {"Width": (right - left) / width, "Height": (bottom - top) / height, "Left": left / width,
            "Top": top / height}
