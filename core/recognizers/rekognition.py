"""Amazon Rekognition (a face collection, one user per person, SearchUsersByImage) as a recognizer backend.

What it does for one study run: a collection named ``fawkes-tracker-<uuid>`` made at the first ``enrol``;
each training photo added with ``IndexFaces`` (the largest face, no quality filter, so that a cloaked face is
judged rather than dropped); at ``train`` each person becomes a Rekognition *user* holding their faces
(``CreateUser`` + ``AssociateFaces``); each test photo is searched with ``SearchUsersByImage`` asking for every
user with any similarity; ``close`` deletes the collection, after a cancel too.

In a study with a crowd (``--distractors``) one recognizer serves every condition (``services.rounds``): one
collection, the crowd indexed and made users once; each condition's people are users of their own (``r2:01``),
and a search drops the users of other conditions from its answer, so each condition is ranked against its own
people and the crowd, as with a collection of its own. MaxUsers then covers every user in the collection; as it
is 500 at most, a condition that would take the collection past 500 users gets a new collection instead (and the
crowd is sent to it again, in a note), rather than searches that might leave some of its people unranked.

Why users and not single faces: a person's several training faces are then matched as one identity, as
Azure's person groups and the trackers of the Fawkes paper do, rather than the test face's best single look-alike.

How we talk to AWS (credentials, botocore's retries off, errors in words) lives in ``rekognition_client``;
waiting, retrying, cancelling and hiding the secret key in ``services``.
"""
from __future__ import annotations

import math
import re
import uuid
from pathlib import Path

import boto3

from ..images import NoFaceFound, UnusableImage
from ..jobs import NO_JOB, Job
from ..score_scale import ScoreScale
from .base import Candidate
from .rekognition_client import SERVICE, AlreadyExists, CollectionGone, Connection
from .services.errors import ServiceError
from .services.leftovers import PREFIX, Leftover
from .services.photos import PhotoLimits
from .services.plan import ServicePlan
from .services.retry import RetryPolicy
from .services.rounds import CROWD, CrowdRounds
from .services.tracker import OnlineTracker

CALLS_PER_SECOND = 5.0  # a new account's default TPS for the face APIs in most regions
DEFAULT_LINE = 0.8  # SearchUsersByImage's own default UserMatchThreshold, 80, as a 0..1 confidence
# Documented set quotas (Guidelines and quotas in Amazon Rekognition): raw image bytes up to 5 MB, JPEG or PNG,
# at least 80 px on each side. No largest size is documented for the face APIs; 10,000 px is the one Rekognition
# documents for its other image APIs, and no camera photo comes near it.
LIMITS = PhotoLimits(SERVICE, max_bytes=5 * 1024 * 1024, max_side=10_000, min_side=80)
# Price list: Rekognition Image "Group 1" APIs (IndexFaces, AssociateFaces, SearchUsersByImage, …), US East
# (N. Virginia), first 1 million images a month: USD 1.00 per 1,000 images. CreateCollection, CreateUser,
# ListUsers and DeleteCollection are not billed; face storage (USD 0.00001 a face a month) ends with the collection.
# The price has stood for years; PRICE_DATE is when it was last checked (against secondary sources, as this
# machine could not reach aws.amazon.com/rekognition/pricing): re-read the page and move the date on when it changes.
PRICE_PER_IMAGE = 1.00 / 1000
PRICE_DATE = "2026-12-02"
PRICE_NOTE = "US East price, first million images a month; other regions differ a little; the AWS free tier may cover it"
MAX_USERS = 500  # SearchUsersByImage's MaxUsers at most
FACES_PER_CALL = FACES_PER_USER = 100  # AssociateFaces takes 100 faces a call, and a user holds 100 at most
UNINDEXED = {  # IndexFaces' reasons for a face it saw but did not add, in words
    "EXTREME_POSE": "the head is turned too far", "LOW_BRIGHTNESS": "too dark", "LOW_SHARPNESS": "too blurry",
    "LOW_CONFIDENCE": "not sure it is a face", "SMALL_BOUNDING_BOX": "the face is too small",
    "LOW_FACE_QUALITY": "the face's quality is too low", "EXCEEDS_MAX_FACES": "more faces than one",
}
USERS_WHY = ("each person is one Rekognition user holding all their training faces, so that they are matched as one "
             "identity, as Azure's person groups and the Fawkes paper's trackers do")


def _safe_id(text: str, most: int) -> str:
    """``text`` within Rekognition's id pattern ``[a-zA-Z0-9_.\\-:]+``."""
    return (re.sub(r"[^A-Za-z0-9_.\-:]", "_", text) or "_")[:most]


class RekognitionRecognizer(CrowdRounds, OnlineTracker):
    limits = LIMITS
    name = "rekognition"
    scale = ScoreScale("confidence", True, "Rekognition user similarity ÷ 100")  # score and confidence alike
    threshold = DEFAULT_LINE
    confidence_doc = (
        "Amazon Rekognition: the similarity (0..100) SearchUsersByImage gives each person, divided by 100, asked with "
        "UserMatchThreshold 0 so that every person's similarity is recorded. In a study with the clean condition its "
        "threshold is calibrated like the other recognizers'; without one, a face counts as identified when the best "
        "person is the right one with similarity ≥ 80 (threshold 0.8), Rekognition's own default."
    )

    def __init__(self, *, key_id: str | None = None, key: str | None = None, region: str | None = None,
                 threshold: float = DEFAULT_LINE, calls_per_second: float = CALLS_PER_SECOND, max_retries: int = 6,
                 backoff_s: float = 2.0, timeout_s: float = 30.0, user_timeout_s: float = 120.0,
                 poll_interval_s: float = 1.0, job: Job = NO_JOB):
        """``key_id``/``key``: an explicit AWS key pair (from the window); without them boto3's chain is used
        (environment, ~/.aws, the pair saved in the window). ``region``: else AWS_DEFAULT_REGION or the profile's."""
        self.threshold = threshold
        self.policy = RetryPolicy(max_retries=max_retries, backoff_s=backoff_s)
        self._conn = Connection(key_id=key_id, key=key, region=region, rate=calls_per_second, policy=self.policy,
                                timeout_s=timeout_s, job=job)
        self.user_timeout_s, self.poll_interval_s = user_timeout_s, poll_interval_s
        self.collection_id: str | None = None
        self.face_model_version: str | None = None
        self._open = False  # the collection exists and is ours to delete
        self.collections: list[str] = []  # every collection this recognizer made (one, unless over MAX_USERS)
        # a member is (round, person): round None for a recognizer used on its own, CROWD or "r1", "r2", … in a study
        self._faces: dict[tuple, list[str]] = {}  # member -> FaceIds indexed for them
        self._associated: dict[tuple, int] = {}  # member -> how many of their faces the user holds
        self._user_ids: dict[tuple, str] = {}  # member -> UserId
        self._people: dict[str, tuple] = {}  # UserId -> member
        self._trained = False
        self._init_rounds()
        self.changed_uploads: list[str] = []  # notes about photos sent as a shrunk or re-encoded copy
        self.training_notes: list[str] = []  # faces Rekognition would not give a person

    # -- settings and progress -------------------------------------------------------------------------------

    @property
    def session(self):
        return self._conn.session

    def plan(self, people: int, training_photos: int, test_photos: int, crowd_people: int = 0,
             crowd_photos: int = 0, crowd_sent_before: bool | None = None) -> ServicePlan:
        """Calls, time at the pace, photos sent and price, told before any photo leaves the computer. ``crowd_…``:
        how many of the people and photos are the crowd's, left out where an earlier round sent them
        (``crowd_sent_before``; None: as this recognizer's rounds say)."""
        kept = self._crowd_kept(crowd_photos, crowd_sent_before)
        if kept:  # the crowd's faces and users, and the collection, are there already
            people, training_photos = people - crowd_people, training_photos - crowd_photos
        per_person = training_photos / people if people else 0
        associate = people * max(1, math.ceil(min(per_person, FACES_PER_USER) / FACES_PER_CALL))
        calls = (0 if kept else 2) + training_photos + people + associate + test_photos  # 2: create, delete
        billed = training_photos + associate + test_photos
        return ServicePlan(SERVICE, calls, max(0, calls - 1) / self.session.rate, training_photos + test_photos,
                           cost=billed * PRICE_PER_IMAGE, price_date=PRICE_DATE, price_note=PRICE_NOTE,
                           crowd=crowd_photos, crowd_sent_before=kept)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "service": "Amazon Rekognition (IndexFaces, users, SearchUsersByImage)",
            "sdk": f"boto3 {boto3.__version__}",
            "region": self._conn.region,
            "endpoint": self._conn.endpoint if self._conn.endpoint_overridden else None,
            "credentials_from": self._conn.key_source,
            "collection": self.collection_id,
            **({"collections": list(self.collections), "max_users": MAX_USERS} if self.rounds else {}),
            **self.describe_rounds(),
            "face_model_version": self.face_model_version,
            "matching": "users", "matching_why": USERS_WHY,
            "quality_filter": "NONE",
            "own_line": "similarity ≥ 80 (threshold 0.8, Rekognition's default) where the study has no clean "
                        "condition to calibrate on",
            **self.session.describe(),
            "calls_made": self.calls_made, "retries": self.session.retries,
            "price": {"per_1000_images": PRICE_PER_IMAGE * 1000, "currency": "USD", "price_list": PRICE_DATE},
            "changed_uploads": list(self.changed_uploads),
            "training_notes": list(self.training_notes),
        }

    # -- the Recognizer interface ----------------------------------------------------------------------------

    def enrol(self, person: str, photo: Path) -> None:
        self._index((self.namespace, person), photo)

    def enrol_crowd(self, person: str, photo: Path) -> None:
        if not self.rounds:
            return self.enrol(person, photo)
        self._count_crowd_photo()
        self._index((CROWD, person), photo)

    def _index(self, member: tuple, photo: Path) -> None:
        person = member[1]
        data = self._upload(photo)
        self._ensure_collection()
        answer = self._conn.call(f"adding {Path(photo).name} to {person}", "index_faces", photo,
                                 CollectionId=self.collection_id, Image={"Bytes": data},
                                 ExternalImageId=_safe_id(person, 255), MaxFaces=1, QualityFilter="NONE")
        records = answer.get("FaceRecords") or []
        if not records:
            refused = answer.get("UnindexedFaces") or []
            if not refused:
                raise NoFaceFound(photo)
            reasons = sorted({r for face in refused for r in face.get("Reasons") or []}) or ["no reason given"]
            raise UnusableImage(photo, "Amazon Rekognition saw a face but would not index it ("
                                + ", ".join(UNINDEXED.get(r, r.lower()) for r in reasons) + ")")
        self._faces.setdefault(member, []).append(records[0]["Face"]["FaceId"])  # the largest face
        self._trained = False

    def train(self, job: Job = NO_JOB) -> None:
        if job is not NO_JOB:
            self.set_job(job)
        members = [m for m, faces in self._faces.items() if faces and self._visible(m)]
        if not members:
            raise RuntimeError("No training photo could be enrolled, so there is nobody to recognise.")
        statuses = [self._fill_user(member) for member in members]
        if any(status not in (None, "ACTIVE") for status in statuses):
            self._wait_for_users()
        self._trained = True

    def identify(self, photo: Path) -> list[Candidate]:
        if not self._trained:
            self.train()
        data = self._upload(photo)
        answer = self._conn.call(f"searching for {Path(photo).name}", "search_users_by_image", photo,
                                 CollectionId=self.collection_id, Image={"Bytes": data}, UserMatchThreshold=0.0,
                                 MaxUsers=min(MAX_USERS, max(1, len(self._people))), QualityFilter="NONE")  # every user
        if not answer.get("SearchedFace"):  # Rekognition's answer when it finds no face to search with
            raise NoFaceFound(photo)
        members = [(float(m["Similarity"]), self._people.get(m.get("User", {}).get("UserId"))) for m in
                   answer.get("UserMatches") or []]
        # other rounds' users are not this condition's gallery: dropped here, as if in a collection of their own
        matches = [(similarity, member[1]) for similarity, member in members if member and self._visible(member)]
        matches.sort(key=lambda m: (-m[0], m[1]))
        return [Candidate(person, similarity / 100, similarity / 100) for similarity, person in matches]

    def close(self) -> None:
        """Delete this run's collection, after a cancel too; on failure say so (it then shows as a leftover)."""
        self._drop_collection()
        self._conn.close()

    # -- helpers ---------------------------------------------------------------------------------------------

    def _visible(self, member: tuple) -> bool:
        """In this round's gallery: its own people and the crowd (a recognizer on its own: everyone)."""
        return member[0] in (self.namespace, CROWD)

    def _begin_round(self, people: int) -> bool:
        """A new collection when this round's people would take it past what one search ranks (MAX_USERS)."""
        self._trained = False
        earlier = any(ns != CROWD for ns, _ in self._user_ids)
        if self.collection_id is None or not earlier or len(self._people) + people <= MAX_USERS:
            return False
        self.session.note(f"Amazon Rekognition ranks at most {MAX_USERS} people a search, and the collection would "
                          f"hold {len(self._people) + people}: {self.rounds[-1]} gets a collection of its own, and "
                          "the crowd is sent to it again.")
        self._drop_collection()
        self.collection_id = None
        for held in (self._faces, self._associated, self._user_ids, self._people):
            held.clear()
        return True

    def _drop_collection(self) -> None:
        if self._open:
            self._open = False
            self.session.closing = True
            try:
                self._conn.call("deleting the collection", "delete_collection", CollectionId=self.collection_id)
            except CollectionGone:
                pass
            except ServiceError as exc:
                self.session.note(f"Could not delete the Amazon Rekognition collection {self.collection_id}: {exc} "
                                  "Delete it from the settings (left-over collections).")
            finally:
                self.session.closing = False

    def _ensure_collection(self) -> None:
        if self.collection_id is not None:
            return
        # ours to delete before it is asked for: a create whose answer is lost still made it, and close deletes it
        self.collection_id, self._open = f"{PREFIX}{uuid.uuid4().hex}", True
        self.collections.append(self.collection_id)
        try:
            answer = self._conn.call("creating the collection", "create_collection", CollectionId=self.collection_id)
        except AlreadyExists:  # our own create, whose answer was lost and retried: the id is a fresh uuid
            answer = {}
        except ServiceError as exc:
            if not exc.maybe_done:  # refused outright: nothing was made, nothing to delete
                self._open = False
            raise
        self.face_model_version = answer.get("FaceModelVersion")

    def _user_id(self, member: tuple) -> str:
        if member not in self._user_ids:
            ns, person = member
            base, n = (f"{ns}:" if ns else "") + _safe_id(person, 120), 1  # a round's own name: "r2:01"
            user = base
            while user in self._people:  # two names the same once made safe
                n += 1
                user = f"{base}.{n}"
            self._user_ids[member], self._people[user] = user, member
        return self._user_ids[member]

    def _fill_user(self, member: tuple) -> str | None:
        """Create the member's user if needed and give it their faces not yet given; its status, or None if
        nothing was sent."""
        person = member[1]
        fresh = member not in self._user_ids
        user = self._user_id(member)
        if fresh:
            token = uuid.uuid4().hex  # the same on a retry, so a lost answer cannot make the user twice
            self._conn.call(f"creating person {person}", "create_user", CollectionId=self.collection_id, UserId=user,
                            ClientRequestToken=token)
            self._associated[member] = 0
        faces = self._faces[member]
        todo = faces[self._associated[member]:FACES_PER_USER]
        if len(faces) > FACES_PER_USER and self._associated[member] < FACES_PER_USER:
            self._note_training(f"{person}: only {FACES_PER_USER} of {len(faces)} training faces used, the most "
                                "a Rekognition user can hold.")
        status = None
        for start in range(0, len(todo), FACES_PER_CALL):
            chunk, token = todo[start:start + FACES_PER_CALL], uuid.uuid4().hex
            answer = self._conn.call(f"giving {person} their faces", "associate_faces",
                                     CollectionId=self.collection_id, UserId=user, FaceIds=chunk,
                                     UserMatchThreshold=0.0, ClientRequestToken=token)
            for failed in answer.get("UnsuccessfulFaceAssociations") or []:
                reasons = ", ".join(failed.get("Reasons") or []) or "no reason given"
                self._note_training(f"{person}: Amazon Rekognition did not add one training face to the person "
                                    f"({reasons}).")
            status = answer.get("UserStatus") or status
        self._associated[member] = min(len(faces), FACES_PER_USER)
        return status

    def _wait_for_users(self) -> None:
        """Poll ListUsers until every person is ACTIVE: a search would miss a user still UPDATING."""
        waited = 0.0
        while True:
            statuses, token = {}, None
            while True:
                page = self._conn.call("checking the people are ready", "list_users", CollectionId=self.collection_id,
                                       MaxResults=MAX_USERS, **({"NextToken": token} if token else {}))
                statuses.update({u.get("UserId"): u.get("UserStatus") for u in page.get("Users") or []})
                token = page.get("NextToken")
                if not token:
                    break
            waiting = [p for u, p in self._people.items() if statuses.get(u) not in ("ACTIVE", None)]
            if not waiting:
                return
            if waited + self.poll_interval_s > self.user_timeout_s:
                raise ServiceError(f"Amazon Rekognition was still updating {len(waiting)} people after "
                                   f"{self.user_timeout_s:g} s; try again later.")
            self.session.wait(self.poll_interval_s)
            waited += self.poll_interval_s

    def _note_training(self, message: str) -> None:
        self.training_notes.append(message)
        self.session.note(message)


# -- the window's tools: leftovers, deleting them, testing the connection -------------------------------------


def _admin(key_id, key, region, job: Job, max_retries: int = 6, timeout_s: float = 30.0) -> Connection:
    return Connection(key_id=key_id, key=key, region=region, rate=CALLS_PER_SECOND, job=job, timeout_s=timeout_s,
                      policy=RetryPolicy(max_retries=max_retries))


def leftover_collections(*, key_id: str | None = None, key: str | None = None, region: str | None = None,
                         job: Job = NO_JOB) -> list[Leftover]:
    """Collections this app made that still exist (left by a crashed or killed run)."""
    conn = _admin(key_id, key, region, job)
    try:
        ids, token = [], None
        while True:
            page = conn.call("listing collections", "list_collections", MaxResults=1000,
                             **({"NextToken": token} if token else {}))
            ids += [c for c in page.get("CollectionIds") or [] if c.startswith(PREFIX)]
            token = page.get("NextToken")
            if not token:
                break
        found = []
        for collection in ids:
            try:
                info = conn.call(f"describing collection {collection}", "describe_collection", CollectionId=collection)
            except CollectionGone:
                continue
            made = info.get("CreationTimestamp")
            when = f", made {made:%Y-%m-%d %H:%M %Z}" if made else ""
            faces, people = info.get("FaceCount", 0), info.get("UserCount", 0)
            found.append(Leftover("rekognition", collection, f"collection {collection} ({faces} face"
                                  f"{'' if faces == 1 else 's'}, {people} {'person' if people == 1 else 'people'}){when}"))
        return found
    finally:
        conn.close()


def delete_collection(collection_id: str, *, key_id: str | None = None, key: str | None = None,
                      region: str | None = None, job: Job = NO_JOB) -> None:
    """Delete one collection (one already gone counts as deleted)."""
    conn = _admin(key_id, key, region, job)
    conn.session.closing = True  # deleting is cleaning up: it goes through even for a cancelled job
    try:
        conn.call(f"deleting collection {collection_id}", "delete_collection", CollectionId=collection_id)
    except CollectionGone:
        pass
    finally:
        conn.close()


def test_connection(*, key_id: str | None = None, key: str | None = None, region: str | None = None,
                    timeout_s: float = 15.0) -> tuple[bool, str]:
    """Whether the key pair and region work, in one call (ListCollections); the message says why not."""
    try:
        conn = _admin(key_id, key, region, NO_JOB, max_retries=0, timeout_s=timeout_s)
        try:
            conn.call("checking the connection", "list_collections", MaxResults=1)
        finally:
            conn.close()
    except ServiceError as exc:
        return False, str(exc)
    where = conn.endpoint if conn.endpoint_overridden else f"region {conn.region}"
    return True, f"Connected to Amazon Rekognition ({where}): the key pair works."


test_connection.__test__ = False  # a library function, not a pytest test
