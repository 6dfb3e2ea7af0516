"""The Azure Face backend, driven through the real SDK against the local stand-in (tests/azure_standin.py),
which identifies people with dlib: the only thing stood in for is the remote service."""
from __future__ import annotations

import functools
import json
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core import credentials
from core.images import NoFaceFound, UnusableImage, load_rgb
from core.jobs import Cancelled
from core.recognizers import azure
from core.recognizers.azure import (AzureAuthError, AzureConflict, AzureEndpointError, AzureError, AzureForbidden,
                                    AzureNotApproved, AzureRateLimited, AzureRecognizer, AzureServiceError, AzureTrainingError,
                                    AzureUnreachable)
from core.recognizers.dlib import DlibRecognizer
from core.recognizers.services import keys
from tests.azure_standin import FaceApiStandIn
from tests.service_helpers import Notes, closed_port, photo  # noqa: F401 - closed_port is a fixture
from tests.conftest import REPO

FAST = dict(calls_per_second=1000, poll_interval_s=0.05, backoff_s=0.05)
PEOPLE = ("01", "02", "03")


def run_azure(server: FaceApiStandIn, imm: Path, people=PEOPLE, train=(1, 2, 3), test=(4, 5, 6), **options):
    """Enrol, train and identify like the study does; returns {test photo name: [(person, confidence)]}."""
    with AzureRecognizer(server.endpoint, server.key, **{**FAST, **options}) as recognizer:
        for person in people:
            for number in train:
                recognizer.enrol(person, photo(imm, person, number))
        recognizer.train()
        return {photo(imm, p, n).name: [(c.person, c.confidence) for c in recognizer.identify(photo(imm, p, n))]
                for p in people for n in test}


@functools.lru_cache(maxsize=None)
def run_dlib(imm: Path, people=PEOPLE, train=(1, 2, 3), test=(4, 5, 6), most=5):
    local = DlibRecognizer()
    local.expect([photo(imm, p, n) for p in people for n in (*train, *test)])  # described by dlib's workers, in parallel
    for person in people:
        for number in train:
            local.enrol(person, photo(imm, person, number))
    local.train()
    return {photo(imm, p, n).name: [(c.person, c.confidence) for c in local.identify(photo(imm, p, n))[:most]]
            for p in people for n in test}


def assert_same(azure_result: dict, local_result: dict) -> None:
    assert azure_result.keys() == local_result.keys()
    for name, local in local_result.items():
        assert [p for p, _ in azure_result[name]] == [p for p, _ in local], name
        assert np.allclose([c for _, c in azure_result[name]], [c for _, c in local], atol=1e-9), name


# -- the normal path -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("models, recognition, detection", [
    ("latest", "recognition_04", "detection_03"),
    ("2020", "recognition_01", "detection_01"),
])
def test_enrol_train_identify_reproduces_local_dlib(standin, fixture_imm, models, recognition, detection):
    result = run_azure(standin, fixture_imm, models=models)

    assert_same(result, run_dlib(fixture_imm))
    assert all(candidates[0][0] == name[:2] for name, candidates in result.items())  # IMM is easy for dlib
    uploads = [e for e in standin.log if e.path.endswith(("/persistedfaces", "/detect"))]
    assert uploads and all(e.chunked for e in uploads)  # the SDK streams photos without Content-Length
    assert {e.query["detectionModel"] for e in uploads} == {detection}
    assert {e.query["recognitionModel"] for e in uploads if e.path.endswith("/detect")} == {recognition}
    created = [e for e in standin.log if e.method == "PUT"]
    assert len(created) == 1 and created[0].path.split("/")[-1].startswith(azure.GROUP_PREFIX)
    assert standin.groups == {}  # deleted on close
    assert [e.method for e in standin.log].count("DELETE") == 1


def test_study_through_azure_matches_local_study(standin, fixture_imm, tmp_path):
    from core.results import read_rows
    from core.study import StudyConfig, run_study

    def rows(recognizer: str, options: dict, folder: str) -> list[tuple]:
        out = tmp_path / folder
        run_study(StudyConfig(fixture_imm, out, recognizers=[recognizer], recognizer_options={recognizer: options}))
        return sorted((r.person, r.file, r.predicted, r.outcome, round(r.confidence, 9))
                      for r in read_rows(out / "results.csv"))

    azure_options = {"endpoint": standin.endpoint, "key": standin.key, **FAST}
    azure_rows = rows("azure", azure_options, "azure")

    assert azure_rows and azure_rows == rows("dlib", {}, "dlib")
    written = [f for f in (tmp_path / "azure").rglob("*") if f.is_file()]
    assert written and not [f for f in written if standin.key.encode() in f.read_bytes()]
    assert standin.groups == {}

    standin.unapproved = True
    standin.log.clear()
    with pytest.raises(AzureNotApproved, match="Limited Access"):
        rows("azure", azure_options, "unapproved")
    assert len(standin.log) == 1  # stopped at its first call


@pytest.mark.slow
def test_ten_imm_people_reproduce_local_dlib(standin, imm_dir):
    people = tuple(f"{n:02d}" for n in range(1, 11))
    result = run_azure(standin, imm_dir, people=people, train=(1, 2, 3), test=(6,))
    assert_same(result, run_dlib(imm_dir, people=people, train=(1, 2, 3), test=(6,)))


def test_calls_are_paced(standin, fixture_imm):
    with AzureRecognizer(standin.endpoint, standin.key, calls_per_second=4) as recognizer:
        for person in ("01", "02"):
            recognizer.enrol(person, photo(fixture_imm, person, 1))
        assert recognizer.calls_made == 6  # connection check, group, and a person and a face each
    gaps = np.diff([e.at for e in standin.log])
    assert len(gaps) == 6 and min(gaps) > 0.2  # 0.25 s apart, less the jitter of arrival times


def test_plan_estimates_calls_and_time(standin):
    free = AzureRecognizer(standin.endpoint, standin.key, tier="free")
    plan = free.plan(people=40, training_photos=200, test_photos=40)
    assert plan.calls == 1 + 1 + 40 + 200 + 1 + 3 + 80 + 1
    assert plan.seconds == pytest.approx((plan.calls - 1) * 3)  # 20 calls a minute
    assert str(plan) == "about 327 Azure calls, at least 16 min at the chosen pace"
    assert AzureRecognizer(standin.endpoint, standin.key, tier="standard").plan(40, 200, 40).seconds < 40


# -- per-photo problems: recorded, the run goes on ------------------------------------------------------------


def test_no_face_and_two_faces_are_per_photo_problems(standin, fixture_imm, tmp_path):
    faceless = tmp_path / "wall.png"
    Image.fromarray(load_rgb(photo(fixture_imm, "01", 1))[:60, :200]).resize((400, 120)).save(faceless)
    pair = tmp_path / "pair.jpg"
    left, right = load_rgb(photo(fixture_imm, "01", 1)), load_rgb(photo(fixture_imm, "02", 1))
    Image.fromarray(np.hstack([left, right[:, ::-1]])).save(pair, quality=95)

    with AzureRecognizer(standin.endpoint, standin.key, **FAST) as recognizer:
        with pytest.raises(NoFaceFound) as no_face:
            recognizer.enrol("01", faceless)
        with pytest.raises(UnusableImage, match="more than one face") as two:
            recognizer.enrol("01", pair)
        assert not isinstance(no_face.value, AzureError) and not isinstance(two.value, AzureError)
        for number in (1, 2, 3):  # the run goes on
            recognizer.enrol("01", photo(fixture_imm, "01", number))
            recognizer.enrol("02", photo(fixture_imm, "02", number))
        recognizer.train()
        with pytest.raises(NoFaceFound):
            recognizer.identify(faceless)
        assert recognizer.identify(pair)[0].person in ("01", "02")  # the larger face, as locally
        assert recognizer.identify(photo(fixture_imm, "02", 5))[0].person == "02"


def test_photo_over_6_mb_is_sent_scaled_down(standin, fixture_imm, tmp_path):
    big = tmp_path / "01-big.bmp"
    Image.fromarray(load_rgb(photo(fixture_imm, "01", 1))).resize((2400, 1800), Image.BICUBIC).save(big)
    assert big.stat().st_size > 6 * 2**20
    job = Notes()

    with AzureRecognizer(standin.endpoint, standin.key, job=job, **FAST) as recognizer:
        recognizer.enrol("01", big)
        recognizer.enrol("02", photo(fixture_imm, "02", 1))
        recognizer.train()
        assert recognizer.identify(photo(fixture_imm, "01", 4))[0].person == "01"
        assert recognizer.describe()["changed_uploads"] == job.notes

    assert len(job.notes) == 1 and "over Azure's 6 MB limit" in job.notes[0] and "to 1920×1440" in job.notes[0]


# -- failures that stop the study ------------------------------------------------------------------------------


def test_unapproved_resource_stops_at_the_first_call(standin, fixture_imm):
    standin.unapproved = True
    with AzureRecognizer(standin.endpoint, standin.key, **FAST) as recognizer:
        with pytest.raises(AzureNotApproved) as caught:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    message = str(caught.value)
    assert caught.value.fatal
    assert "Limited Access" in message and "aka.ms/facerecognition" in message
    assert len(standin.log) == 1 and standin.groups == {}
    assert "\n" not in message and caught.value.__cause__ is None and caught.value.__suppress_context__


def test_wrong_key_is_fatal_and_never_shown(standin, fixture_imm):
    wrong = "sk-0123456789-NOT-THE-KEY"
    recognizer = AzureRecognizer(standin.endpoint, wrong, **FAST)
    with pytest.raises(AzureAuthError) as caught:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal and "401" in str(caught.value) and "key" in str(caught.value)
    shown = " ".join([str(caught.value), repr(caught.value), json.dumps(recognizer.describe()), repr(recognizer)])
    assert wrong not in shown


def test_connection_refused_is_fatal(closed_port, fixture_imm):
    recognizer = AzureRecognizer(f"http://127.0.0.1:{closed_port}", "some-key", **FAST)
    with pytest.raises(AzureUnreachable, match="refused") as caught:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal


def test_slow_answers_within_and_past_the_timeout(standin, fixture_imm):
    standin.delay_s = 0.3
    started = time.monotonic()
    assert azure.test_connection(standin.endpoint, standin.key, timeout_s=5)[0]
    assert time.monotonic() - started >= 0.3

    standin.delay_s = 2.0
    recognizer = AzureRecognizer(standin.endpoint, standin.key, timeout_s=0.5, **FAST)
    with pytest.raises(AzureUnreachable, match="did not answer within 0.5 s") as caught:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal


def test_rate_limit_every_fourth_call_still_finishes_with_the_same_result(standin, fixture_imm):
    people, train, test = ("01", "02"), (1, 2), (5, 6)
    expected = run_azure(standin, fixture_imm, people, train, test)
    standin.log.clear()
    standin.rate_limit_every, standin.retry_hint, standin.retry_after_s = 4, "header", 1
    job = Notes()

    started = time.monotonic()
    result = run_azure(standin, fixture_imm, people, train, test, job=job)

    assert result == expected
    limited = standin.statuses().count(429)
    assert limited >= 4
    waits = [n for n in job.notes if n.startswith("Azure asked us to wait 1 s (rate limit)")]
    assert len(waits) == limited and not [n for n in job.notes if standin.key in n]
    assert time.monotonic() - started >= limited * 1.0  # Retry-After was really honoured


def test_retry_hint_in_the_message_or_nowhere(standin, fixture_imm):
    standin.rate_limit_every, standin.retry_hint = 2, "message"
    job = Notes()
    AzureRecognizer(standin.endpoint, standin.key, job=job, **FAST).enrol("01", photo(fixture_imm, "01", 1))
    assert job.notes and all(n.startswith("Azure asked us to wait 1 s (rate limit)") for n in job.notes)

    standin.rate_limit_every, standin.retry_hint = 1, "none"  # every call refused, no hint: back off, give up
    job = Notes()
    recognizer = AzureRecognizer(standin.endpoint, standin.key, job=job, max_retries=3, **FAST)
    with pytest.raises(AzureRateLimited) as caught:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal and "rate limit" in str(caught.value)
    assert [n.split(" (")[0] for n in job.notes] == ["Waiting 0.05 s", "Waiting 0.1 s", "Waiting 0.2 s"]


def test_server_errors_are_retried_then_fatal(standin, fixture_imm):
    standin.fail_next = 2
    job = Notes()
    with AzureRecognizer(standin.endpoint, standin.key, job=job, **FAST) as recognizer:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert standin.statuses()[:3] == [503, 503, 200]
    assert len(job.notes) == 2 and all("server error 503" in n for n in job.notes)

    standin.fail_next, standin.fail_status = 10, 500
    recognizer = AzureRecognizer(standin.endpoint, standin.key, max_retries=2, **FAST)
    with pytest.raises(AzureServiceError, match="500") as caught:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal


@pytest.mark.parametrize("states, message", [
    (["running"], "did not finish within 0.3 s"),
    (["nonstarted", "failed"], "could not train"),
])
def test_training_that_hangs_or_fails(standin, fixture_imm, states, message):
    standin.training_states = states
    with AzureRecognizer(standin.endpoint, standin.key, training_timeout_s=0.3, **FAST) as recognizer:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
        with pytest.raises(AzureTrainingError, match=message):
            recognizer.train()
    assert standin.groups == {}


# -- clean-up --------------------------------------------------------------------------------------------------


def test_cancel_stops_and_the_group_is_still_deleted(standin, fixture_imm):
    job = Notes()
    with pytest.raises(Cancelled):
        with AzureRecognizer(standin.endpoint, standin.key, job=job, **FAST) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
            assert len(standin.groups) == 1
            job.cancel()
            recognizer.enrol("01", photo(fixture_imm, "01", 2))
    assert standin.groups == {}


def test_leftover_groups_are_listed_and_deleted(standin, fixture_imm):
    crashed = AzureRecognizer(standin.endpoint, standin.key, **FAST)
    crashed.enrol("01", photo(fixture_imm, "01", 1))  # never closed, as after a crash
    standin.groups["someone-elses-group"] = type(standin.groups[crashed.group_id])("theirs", "", "recognition_04")

    left = azure.leftover_groups(standin.endpoint, standin.key, tier="standard")
    assert [g.group_id for g in left] == [crashed.group_id]
    assert "Fawkes Tracker" in left[0].name

    azure.delete_group(standin.endpoint, standin.key, crashed.group_id, tier="standard")
    azure.delete_group(standin.endpoint, standin.key, crashed.group_id, tier="standard")  # gone already: fine
    assert azure.leftover_groups(standin.endpoint, standin.key, tier="standard") == []
    assert list(standin.groups) == ["someone-elses-group"]


# -- test connection -------------------------------------------------------------------------------------------


def test_test_connection_tells_the_cases_apart_with_one_call_each(standin, closed_port):
    def check(endpoint, key):
        before = len(standin.log)
        ok, message = azure.test_connection(endpoint, key, timeout_s=5)
        return ok, message, len(standin.log) - before

    ok, message, calls = check(standin.endpoint, standin.key)
    assert ok and calls == 1
    ok, message, calls = check(standin.endpoint + "/", standin.key)  # pasted with a slash
    assert ok

    ok, message, calls = check(standin.endpoint, "wrong-key")
    assert not ok and calls == 1 and "refused the key" in message and "wrong-key" not in message

    ok, message, calls = check(standin.endpoint + "/not-face", standin.key)
    assert not ok and calls == 1 and "no Face API" in message

    ok, message, calls = check(f"http://127.0.0.1:{closed_port}", standin.key)
    assert not ok and calls == 0 and "refused" in message and "Cannot reach" in message

    ok, message, calls = check("cognitiveservices.example", standin.key)
    assert not ok and calls == 0 and "not a web address" in message

    standin.unapproved = True
    ok, message, calls = check(standin.endpoint, standin.key)
    assert not ok and calls == 1 and "Limited Access" in message
    assert all(standin.key not in m for m in [message])


def test_missing_endpoint_or_key_is_said_plainly(monkeypatch, memory_keyring):
    monkeypatch.delenv(credentials.ENV_ENDPOINT, raising=False)
    monkeypatch.delenv(credentials.ENV_KEY, raising=False)
    with pytest.raises(AzureEndpointError, match="AZURE_FACE_ENDPOINT"):
        AzureRecognizer(key="k")
    with pytest.raises(AzureAuthError, match="AZURE_FACE_KEY"):
        AzureRecognizer("https://example.cognitiveservices.azure.com")


def test_endpoint_and_key_from_the_environment(standin, monkeypatch, fixture_imm):
    monkeypatch.setenv(credentials.ENV_ENDPOINT, standin.endpoint + "/face/v1.0/")
    monkeypatch.setenv(credentials.ENV_KEY, standin.key)
    with AzureRecognizer(**FAST) as recognizer:
        assert recognizer.endpoint == standin.endpoint
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
        assert standin.key not in json.dumps(recognizer.describe())


# -- credentials -----------------------------------------------------------------------------------------------


def test_key_saved_in_the_keyring(memory_keyring):
    assert credentials.keyring_available()[0]
    message = credentials.save_key("  secret-key-1  ")
    assert "Saved" in message and "secret-key-1" not in message
    assert memory_keyring.stored == {(credentials.SERVICE, credentials.ACCOUNT): "secret-key-1"}
    assert (credentials.NAME, credentials.ACCOUNT) not in keys._memory
    assert credentials.load_key() == "secret-key-1"
    credentials.forget_key()
    assert credentials.load_key() is None and memory_keyring.stored == {}


def test_without_a_keyring_the_key_stays_in_memory_only(no_keyring, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    available, reason = credentials.keyring_available()
    assert not available and "no system keyring" in reason
    message = credentials.save_key("secret-key-2")
    assert "Not saved" in message and "memory" in message and "secret-key-2" not in message
    assert credentials.load_key() == "secret-key-2"
    assert list(tmp_path.iterdir()) == []  # nothing written beside us
    credentials.forget_key()
    assert credentials.load_key() is None


def test_environment_key_wins(memory_keyring, monkeypatch):
    credentials.save_key("from-keyring")
    monkeypatch.setenv(credentials.ENV_KEY, "from-env")
    monkeypatch.setenv(credentials.ENV_ENDPOINT, "https://x.cognitiveservices.azure.com")
    assert credentials.load_key() == "from-env"
    assert credentials.azure_settings_from_env() == ("https://x.cognitiveservices.azure.com", "from-env")
    assert credentials.resolve_azure("https://given", None) == ("https://given", "from-env")


# -- what the real service answers when a group is still training, the quota is used up, or a group is busy ------


def _raw(server: FaceApiStandIn, method: str, path: str, body: bytes = b"", content_type: str = "application/json"):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(server.endpoint + "/face/v1.0" + path, data=body if method != "GET" else None,
                                     method=method, headers={"Ocp-Apim-Subscription-Key": server.key,
                                                             "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = answer.read()
            return answer.status, json.loads(data) if data else None
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_stand_in_refuses_identify_until_training_was_reported_succeeded(standin, fixture_imm):
    """A client that skipped polling the training status would get answers from the real service too early."""
    assert _raw(standin, "PUT", "/persongroups/g1", json.dumps({"name": "g1", "recognitionModel": "recognition_04"}).encode())[0] == 200
    person = _raw(standin, "POST", "/persongroups/g1/persons", b'{"name": "01"}')[1]["personId"]
    jpeg = photo(fixture_imm, "01", 1).read_bytes()
    added = _raw(standin, "POST", f"/persongroups/g1/persons/{person}/persistedfaces?detectionModel=detection_03", jpeg,
                 "application/octet-stream")
    assert added[0] == 200
    assert _raw(standin, "POST", "/persongroups/g1/train")[0] == 202
    probe = photo(fixture_imm, "01", 6).read_bytes()
    face = _raw(standin, "POST", "/detect?returnFaceId=true&recognitionModel=recognition_04&detectionModel=detection_03",
                probe, "application/octet-stream")[1][0]["faceId"]
    ask = json.dumps({"faceIds": [face], "personGroupId": "g1"}).encode()
    assert _raw(standin, "POST", "/identify", ask) == (409, {"error": {"code": "PersonGroupTrainingNotFinished",
                                                                      "message": "Person group is under training."}})
    states = [_raw(standin, "GET", "/persongroups/g1/training")[1]["status"] for _ in range(3)]
    assert states == ["nonstarted", "running", "succeeded"]
    status, answer = _raw(standin, "POST", "/identify", ask)
    assert status == 200 and answer[0]["candidates"][0]["personId"] == person


def test_a_used_up_quota_stops_the_study_with_a_plain_reason(standin, fixture_imm):
    standin.quota_left = 3  # creating the group and the first person pass, then the month's calls are used up
    with AzureRecognizer(standin.endpoint, standin.key, **FAST) as recognizer:
        with pytest.raises(AzureForbidden) as caught:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
            recognizer.enrol("02", photo(fixture_imm, "02", 1))
    assert caught.value.fatal and caught.value.__suppress_context__
    assert str(caught.value).startswith("Azure refused ")
    assert str(caught.value).endswith(" (403): Out of call volume quota for FaceAPI F0 pricing tier. Please retry after "
                                      "8 days. To increase your call volume switch to a paid tier.")
    assert 403 in standin.statuses() and standin.key not in str(caught.value)


def test_a_busy_group_is_a_conflict_said_plainly(standin, fixture_imm):
    standin.busy = True
    with AzureRecognizer(standin.endpoint, standin.key, **FAST) as recognizer:
        with pytest.raises(AzureConflict) as caught:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal
    assert str(caught.value) == ("Azure creating the person group: There is a conflict operation on requested resource, "
                                 "please try later. (409 conflict).")
    assert standin.statuses().count(409) == 1  # no retry: a conflict is not a passing hiccup


def test_the_key_is_never_written_anywhere_the_run_writes(standin, fixture_imm, tmp_path):
    """The study command with Azure, its home, data, config and cache folders all inside tmp_path: no file holds the key."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("FAWKES_TRACKER_DATA", credentials.ENV_KEY)}
    folders = {name: tmp_path / name.lower() for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                                          "XDG_STATE_HOME", "TMPDIR")}
    for folder in folders.values():
        folder.mkdir()
    env.update({name: str(folder) for name, folder in folders.items()})
    env.update({credentials.ENV_ENDPOINT: standin.endpoint, credentials.ENV_KEY: standin.key})
    (tmp_path / "cwd").mkdir()
    repo = REPO
    env["PYTHONPATH"] = os.pathsep.join([str(repo), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, str(repo / "main.py"), "study", "--dataset", str(fixture_imm), "--out",
                           str(tmp_path / "out"), "--recognizer", "azure", "--azure-tier", "standard"],
                          cwd=tmp_path / "cwd", env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "none · azure (clean): best guess still right for 3 of 3" in done.stdout
    written = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert any(f.name == "results.csv" for f in written)
    assert not [f for f in written if standin.key.encode() in f.read_bytes()]
    assert standin.key not in done.stdout + done.stderr
