"""Face++ (Megvii) v3 as a tracker: one faceset per run, searched with each test photo.

What a run does: ``faceset/create`` (outer id ``fawkes-tracker-<uuid>``, tag ``fawkes-tracker``) at the first
enrolment, so a wrong key stops the study before any photo is uploaded; each training photo ``detect``-ed (its
largest face's token), named with ``face/setuserid`` and added with ``faceset/addface`` five tokens a call; each
test photo sent once to ``search`` (the largest face, the 5 most similar faces of the faceset, Face++'s
maximum); ``faceset/delete`` at ``close``, also after a cancel. A photo's bytes go as they are on disk unless
Face++ cannot take them (over 2 MB or 4096 px: a shrunk copy, named in a note and in ``describe()``). A face
token is reused for the same bytes and person within one process (a condition that leaks clean photos, the
distractors, a resumed run), which saves two calls a photo; the plan counts them anyway.

In a study with a crowd (``--distractors``) one recognizer serves every condition (``services.rounds``): each
crowd photo is detected and named once and its face token kept; each condition gets a faceset of its own (a
search looks in one faceset, so no condition sees another's people) holding its own faces and the crowd's kept
tokens, added without a new upload. Face++ forgets a face token 72 hours after ``detect`` unless it is in a
faceset; every faceset of the study stays until ``close`` deletes them all at its end, so the crowd's tokens are
always in one, and a token Face++ no longer knows anyway (INVALID_FACE_TOKEN) is detected afresh.

Scores: Face++'s search confidence, 0–100, higher is more alike. ``Candidate.score`` keeps it raw and
``confidence`` is it ÷ 100. Several faces of one person can be among the 5 results: each person keeps their
best. Face++ also answers, with every search, its own operating points (``thresholds``: the confidence at a
false-match rate of 1e-3, 1e-4, 1e-5); they are recorded (``describe()["service_thresholds"]``) to be shown
beside the app's own, measured one.

Calibration with 5 results (why this matters): ``core.metrics`` sets the operating point on the clean
condition's impostor scores, and counts every comparison Face++ did not return as worse than every score
returned. A person missing from a photo's results scored at most that photo's lowest returned score, but
possibly more than the threshold chosen, so the impostors counted above the threshold are a lower bound: the
threshold is at most as strict as the true one, the real false-match rate at it is *at least* the stated one,
and re-identification is an upper bound (the cloak may protect more than reported, never less). It is exact
when every clean photo's lowest returned score is below the threshold. With several training photos a person,
the 5 results are often all the right person's faces, and no impostor is scored at all for that photo
(``describe()["searches"]["one person only"]``); with none scored anywhere there is no threshold (rank-1).
``last_floor`` (the last search's lowest score, when 5 came back) is the bound a stricter calibration needs:
counting each unreturned comparison at it gives a threshold whose false-match rate is *at most* the stated one.
``max_candidates`` stays 5 whatever the study asks for.

Without the clean condition there is nothing to calibrate on: the tracker's own line is then the ``threshold``
given (a confidence 0..1), by default Face++'s threshold at a false-match rate of 1e-4 — the one Face++
recommends, stricter than the app's usual 1% — as the search answers it (69.101 of 100 in its documentation).
"""
from __future__ import annotations

import hashlib
import math
import threading
import uuid
from datetime import datetime, timezone
from pathlib import Path

from ..images import NoFaceFound, UnusableImage
from ..jobs import NO_JOB, Job
from ..score_scale import ScoreScale
from .base import Candidate
from .facepp_client import (CALLS_PER_SECOND, CHINA_ENDPOINT, DEFAULT_ENDPOINT, ENV_ENDPOINT, ENV_KEY,  # noqa: F401
                            ENV_SECRET, SERVICE, FaceppClient, delete_faceset_with, normalise_endpoint, resolve)
from .facepp_errors import translate
from .services.errors import Retryable, ServiceError
from .services.leftovers import PREFIX, Leftover
from .services.photos import PhotoLimits
from .services.plan import ServicePlan
from .services.rounds import CrowdRounds
from .services.session import ServiceSession
from .services.tracker import OnlineTracker

MAX_RESULTS = 5  # search's return_result_count is 1..5
ADD_BATCH = 5  # faceset/addface takes at most 5 face tokens a call
PUBLISHED_THRESHOLDS = {"1e-3": 62.327, "1e-4": 69.101, "1e-5": 73.975}  # what search answers, for the record
OWN_LINE = "1e-4"  # the false-match rate Face++ recommends; our line where nothing is calibrated
LIMITS = PhotoLimits(SERVICE, max_bytes=2 * 1024 * 1024, max_side=4096, min_side=48)
TAG = "fawkes-tracker"
NOT_ALLOWED = set("^@,&=*'\"")  # in a user_id or tag
PRICE_DATE = "2026-12-02"
PRICE_NOTE = ("free API key: no charge, about 1 call a second; paid keys are billed per call at faceplusplus.com's "
              f"price list, not recorded here ({PRICE_DATE})")

_tokens: dict[tuple[str, str, str], str] = {}  # (account, sha1 of the bytes, user_id) -> face token
_tokens_lock = threading.Lock()


def user_id_for(person: str) -> str:
    """The person's name as a Face++ user_id (at most 255 characters, none of ^@,&=*'"): changed names get a
    short hash so that two people never share one."""
    cleaned = "".join("_" if c in NOT_ALLOWED else c for c in person)[:200]
    if cleaned == person and person:
        return person
    return f"{cleaned}~{hashlib.sha1(person.encode()).hexdigest()[:8]}"


class FacePlusPlusRecognizer(CrowdRounds, OnlineTracker):
    limits = LIMITS
    name = "facepp"
    scale = ScoreScale("Face++ confidence", True, "Face++ search confidence (0–100)", ((0.0, 0.0), (100.0, 1.0)))
    threshold = PUBLISHED_THRESHOLDS[OWN_LINE] / 100
    confidence_doc = (
        "Face++: the confidence (0..100) Face++'s search gives the most similar faces of the run's faceset, divided "
        "by 100; a person counts with their best face. Only the 5 most similar faces come back, so in a study with "
        "the clean condition the threshold calibrated on them may be less strict than the chosen false-match rate "
        "asks, never stricter. Without one, a face counts as identified when the best person is the right one with "
        "confidence at or above the threshold given, by default Face++'s own at a false-match rate of 1e-4 "
        "(69.101 of 100)."
    )

    def __init__(self, endpoint: str | None = None, key: str | None = None, secret: str | None = None, *,
                 threshold: float | None = None, calls_per_second: float = CALLS_PER_SECOND, max_retries: int = 6,
                 backoff_s: float = 1.0, timeout_s: float = 30.0, job: Job = NO_JOB):
        self._client = FaceppClient(endpoint, key, secret, calls_per_second=calls_per_second,
                                    max_retries=max_retries, backoff_s=backoff_s, timeout_s=timeout_s, job=job)
        self._own_threshold = threshold is not None
        self.threshold = float(threshold) if threshold is not None else type(self).threshold
        self.faceset_id: str | None = None
        self._live = False  # the faceset exists on the service
        self.facesets: list[str] = []  # every faceset made, deleted at ``close``: one, or one a round in a study
        self._faceset_round = 0  # the round the current faceset is for
        self._crowd: list[tuple[str, str, Path, str]] = []  # the crowd's pending entries, kept for every round
        self._crowd_in: str | None = None  # the faceset the crowd's tokens went to last
        self._people: dict[str, str] = {}  # user_id -> our person's name
        self._pending: list[tuple[str, str, Path, str]] = []  # (token, person, photo, digest) not added yet
        self._added = 0
        self.reused = 0
        self.service_thresholds: dict[str, float] | None = None  # as the last search answered them
        self.last_floor: float | None = None  # the last search's lowest score when 5 came back (see the docstring)
        self.searches = {"made": 0, "all 5 results": 0, "one person only": 0}
        self.changed_uploads: list[str] = []
        self._init_rounds()

    # -- settings and progress -------------------------------------------------------------------------------

    @property
    def max_candidates(self) -> int:
        return MAX_RESULTS

    @max_candidates.setter
    def max_candidates(self, wanted: int) -> None:
        """The study asks for every candidate (``ask_for_every_candidate``); Face++ returns at most 5."""

    @property
    def session(self) -> ServiceSession:
        return self._client.session

    def plan(self, people: int, training_photos: int, test_photos: int, crowd_people: int = 0,
             crowd_photos: int = 0, crowd_sent_before: bool | None = None) -> ServicePlan:
        """Calls at most (reused face tokens save some), the least time at the pace, and the photos sent.
        ``crowd_…``: how many of the people and photos are the crowd's; where an earlier round sent them
        (``crowd_sent_before``; None: as this recognizer's rounds say), their kept tokens are only added to this
        round's faceset."""
        kept = self._crowd_kept(crowd_photos, crowd_sent_before)
        sent = training_photos - (crowd_photos if kept else 0)
        calls = 1 + 2 * sent + math.ceil(training_photos / ADD_BATCH) + test_photos + 1
        return ServicePlan(SERVICE, calls, (calls - 1) / self.session.rate, sent + test_photos,
                           cost=None, price_date=PRICE_DATE, price_note=PRICE_NOTE, crowd=crowd_photos,
                           crowd_sent_before=kept)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "service": "Face++ v3 (Megvii): detect, faceset, face/setuserid, search",
            "endpoint": self._client.base,
            **self.session.describe(),
            "max_candidates": MAX_RESULTS,
            "faceset": self.faceset_id,
            **({"facesets": list(self.facesets)} if self.rounds else {}),
            **self.describe_rounds(),
            "service_thresholds": dict(self.service_thresholds or PUBLISHED_THRESHOLDS),
            "service_thresholds_from": "search answers" if self.service_thresholds else "Face++'s documentation",
            "own_line": "given threshold" if self._own_threshold else f"Face++ threshold at FMR {OWN_LINE}",
            "calls_made": self.calls_made,
            "retries": self.session.retries,
            "face_tokens_reused": self.reused,
            "searches": dict(self.searches),  # "one person only": no impostor scored at all for that photo
            "changed_uploads": list(self.changed_uploads),
        }

    # -- the Recognizer interface ----------------------------------------------------------------------------

    def enrol(self, person: str, photo: Path) -> None:
        self._queue(person, photo)

    def enrol_crowd(self, person: str, photo: Path) -> None:
        if not self.rounds:
            return self.enrol(person, photo)
        self._count_crowd_photo()
        self._queue(person, photo, crowd=True)

    def _queue(self, person: str, photo: Path, crowd: bool = False) -> None:
        self._faceset()
        data = self._upload(photo)
        user_id = self._user(person)
        digest = hashlib.sha1(data).hexdigest()
        with _tokens_lock:
            token = _tokens.get((self._client.account, digest, user_id))
        if token is None:
            token = self._new_token(photo, data, user_id, digest)
        else:
            self.reused += 1
        self._pending.append((token, person, Path(photo), digest))
        if crowd:
            self._crowd.append(self._pending[-1])
            self._crowd_in = self.faceset_id
        if len(self._pending) >= ADD_BATCH:
            self._flush()

    def train(self, job: Job = NO_JOB) -> None:
        if job is not NO_JOB:
            self.set_job(job)
        if self.rounds:
            self._faceset()  # a round whose own photos all failed still has the crowd
            if self._crowd and self._crowd_in != self.faceset_id:  # sent in an earlier round: the tokens, no upload
                self._pending.extend(self._crowd)
                self._crowd_in, self.reused = self.faceset_id, self.reused + len(self._crowd)
        self._flush()
        if not self._added:
            raise ServiceError("No training photo could be enrolled, so there is nobody to recognise.")

    def identify(self, photo: Path) -> list[Candidate]:
        if self._pending or not self._added:
            self.train()
        data = self._upload(photo)
        answer = self._client.post(f"searching for the face in {Path(photo).name}", "search",
                                   {"outer_id": self.faceset_id, "return_result_count": MAX_RESULTS},
                                   image=data, photo=photo)
        if not answer.get("faces") or "results" not in answer:
            raise NoFaceFound(photo)
        if answer.get("thresholds"):
            self.service_thresholds = {k: float(v) for k, v in answer["thresholds"].items()}
            if not self._own_threshold and OWN_LINE in self.service_thresholds:
                self.threshold = self.service_thresholds[OWN_LINE] / 100
        scores = [float(r.get("confidence", 0.0)) for r in answer["results"]]
        full = len(scores) >= MAX_RESULTS  # then some faces went unscored, each at most the lowest returned
        self.last_floor = min(scores) if full else None
        self.searches["made"] += 1
        self.searches["all 5 results"] += full
        self.searches["one person only"] += full and len({r.get("user_id") for r in answer["results"]}) == 1
        best: dict[str, float] = {}
        for result in answer["results"]:
            user_id, confidence = result.get("user_id") or "", float(result.get("confidence", 0.0))
            if user_id and confidence > best.get(user_id, -1.0):
                best[user_id] = confidence
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        return [Candidate(self._people.get(u, u), c / 100, c) for u, c in ranked]

    def close(self) -> None:
        """Delete this run's facesets (also after a cancel); on failure say so (it then shows as a leftover)."""
        try:
            if self._live:
                self._live, self._pending = False, []
                self.session.closing = True
                try:
                    for outer_id in self.facesets:
                        try:
                            delete_faceset_with(self._client, outer_id)
                        except ServiceError as exc:
                            self.session.note(f"Could not delete the Face++ faceset {outer_id}: {exc} "
                                              "Delete it from the settings.")
                finally:
                    self.session.closing = False
        finally:
            self._client.close()

    # -- helpers ---------------------------------------------------------------------------------------------

    def _begin_round(self, people: int) -> bool:
        self._added = 0  # a new faceset, made at the round's first photo
        return False

    def _faceset(self) -> None:
        if self._live and self._faceset_round == len(self.rounds):
            return
        outer_id = f"{PREFIX}{uuid.uuid4().hex}"
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        # ours to delete before it is asked for: a create whose answer is lost still made it, and close deletes it
        self.faceset_id, self._live, self._faceset_round = outer_id, True, len(self.rounds)
        self.facesets.append(outer_id)
        try:
            self._client.post("creating the faceset", "faceset/create",
                              {"outer_id": outer_id, "display_name": f"Fawkes Tracker study {stamp}", "tags": TAG,
                               "user_data": "Made by Fawkes Tracker; safe to delete."},
                              tolerate=("FACESET_EXIST",))  # a retry after an answer lost on the way: ours already
        except ServiceError as exc:
            if not exc.maybe_done:  # refused outright: nothing was made, nothing to delete
                self.facesets.remove(outer_id)
                self._live = bool(self.facesets)
            raise

    def _user(self, person: str) -> str:
        user_id = user_id_for(person)
        self._people[user_id] = person
        return user_id

    def _new_token(self, photo: Path, data: bytes, user_id: str, digest: str) -> str:
        """Detect the photo's largest face and name it: two calls."""
        name = Path(photo).name
        faces = self._client.post(f"detecting the face in {name}", "detect", image=data, photo=photo).get("faces")
        if not faces:
            raise NoFaceFound(photo)
        largest = max(faces, key=lambda f: f["face_rectangle"]["width"] * f["face_rectangle"]["height"])
        token = largest["face_token"]
        self._client.post(f"naming the face in {name}", "face/setuserid", {"face_token": token, "user_id": user_id})
        with _tokens_lock:
            _tokens[(self._client.account, digest, user_id)] = token
        return token

    def _flush(self) -> None:
        """Add the waiting face tokens, five a call; a reused token Face++ no longer knows is detected afresh."""
        while self._pending:
            batch, self._pending = self._pending[:ADD_BATCH], self._pending[ADD_BATCH:]
            answer = self._client.post(f"adding {len(batch)} faces to the faceset", "faceset/addface",
                                       {"outer_id": self.faceset_id, "face_tokens": ",".join(t for t, *_ in batch)})
            failed = {f.get("face_token"): f.get("reason", "") for f in answer.get("failure_detail") or []}
            self._added += len(batch) - len(failed)
            for token, person, photo, digest in batch:
                reason = failed.get(token)
                if reason is None:
                    continue
                with _tokens_lock:
                    stale = _tokens.pop((self._client.account, digest, user_id_for(person)), None) == token
                if reason == "QUOTA_EXCEEDED":
                    raise ServiceError("The Face++ faceset is full (10,000 faces at most); use fewer photos.")
                if stale and reason == "INVALID_FACE_TOKEN":  # expired (72 h) since it was first detected
                    self.reused -= 1
                    kept = [i for i, entry in enumerate(self._crowd) if entry[0] == token]
                    try:
                        fresh = self._new_token(photo, self._upload(photo), user_id_for(person), digest)
                    except UnusableImage as exc:
                        self.session.note(f"Face++ did not add the face of {photo.name} to the faceset ({exc.reason}).")
                        continue
                    self._pending.append((fresh, person, photo, digest))
                    for i in kept:
                        self._crowd[i] = self._pending[-1]
                else:
                    self.session.note(f"Face++ did not add the face of {photo.name} to the faceset ({reason}).")


def leftover_facesets(endpoint: str | None = None, key: str | None = None, secret: str | None = None,
                      job: Job = NO_JOB, *, calls_per_second: float = CALLS_PER_SECOND) -> list[Leftover]:
    """Facesets this app made that still exist (left by a crashed or killed run), found by tag and name."""
    client = FaceppClient(endpoint, key, secret, calls_per_second=calls_per_second, job=job)
    found, start = [], 1
    try:
        while True:
            page = client.post("listing facesets", "faceset/getfacesets", {"tags": TAG, "start": start})
            for faceset in page.get("facesets") or []:
                outer_id = faceset.get("outer_id") or ""
                if outer_id.startswith(PREFIX):
                    made = (faceset.get("display_name") or "").removeprefix("Fawkes Tracker study ")
                    found.append(Leftover("facepp", outer_id, f"faceset {outer_id}" + (f", made {made}" if made else "")))
            if not page.get("next"):
                return found
            start = page["next"]
    finally:
        client.close()


def delete_faceset(outer_id: str, endpoint: str | None = None, key: str | None = None, secret: str | None = None,
                   job: Job = NO_JOB, *, calls_per_second: float = CALLS_PER_SECOND) -> None:
    """Delete one faceset (from the settings' list of leftovers)."""
    client = FaceppClient(endpoint, key, secret, calls_per_second=calls_per_second, job=job)
    try:
        delete_faceset_with(client, outer_id)
    finally:
        client.close()


def test_connection(endpoint: str | None = None, key: str | None = None, secret: str | None = None, *,
                    timeout_s: float = 15.0) -> tuple[bool, str]:
    """Whether Face++ takes the key and secret at the endpoint, in one call that uploads nothing."""
    try:
        client = FaceppClient(endpoint, key, secret, timeout_s=timeout_s)
    except ServiceError as exc:
        return False, str(exc)
    try:
        client.send("faceset/getfacesets", {"tags": TAG})
    except Exception as exc:  # noqa: BLE001 - every failure is said in words
        failure = translate(exc, client.base, "listing facesets", None)
        if isinstance(failure, Retryable) and "concurrency" in failure.reason:
            return True, "Connected; the key works, but Face++ says its concurrency limit is reached right now."
        return False, client.session.scrub(str(failure))
    finally:
        client.close()
    return True, f"Connected to Face++ at {client.base}: the API key and secret work."


test_connection.__test__ = False  # a library function, not a pytest test
