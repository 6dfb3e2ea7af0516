"""Face++ as a tracker, driven through real ``requests`` against the local stand-in (tests/facepp_standin.py),
which finds and compares faces with dlib: the only thing stood in for is the remote service."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.calibration import ask_for_every_candidate
from core.images import NoFaceFound, UnusableImage
from core.jobs import Cancelled, Job
from core.recognizers import facepp
from core.recognizers.facepp import FacePlusPlusRecognizer, leftover_facesets, test_connection
from core.recognizers.services.errors import ServiceError
from core.recognizers.services.keys import save_secret
from core.recognizers.services.leftovers import PREFIX
from core.results import read_rows
from core.study import StudyConfig, run_study
from tests.cli_runner import run_main
from tests.facepp_standin import FaceppStandIn
from tests.service_helpers import Notes, closed_port, photo  # noqa: F401 - closed_port is a fixture

FAST = {"calls_per_second": 500, "backoff_s": 0.01}


@pytest.fixture
def server():
    with FaceppStandIn() as standin:
        yield standin


@pytest.fixture
def env(server, monkeypatch):
    """The command line's way in: endpoint, key and secret from the environment."""
    monkeypatch.setenv(facepp.ENV_ENDPOINT, server.endpoint)
    monkeypatch.setenv(facepp.ENV_KEY, server.key)
    monkeypatch.setenv(facepp.ENV_SECRET, server.secret)
    return server


def copies(imm: Path, folder: Path) -> Path:
    """Training photos under the names another tool gives its cloaks, byte for byte the originals."""
    folder.mkdir()
    for source in imm.glob("0[1-3]-[1-5]m.jpg"):
        shutil.copy(source, folder / f"{source.stem}_min_cloaked.png")
    return folder


def study(imm: Path, out: Path, conditions=("none",), job: Job | None = None, **options) -> dict:
    config = StudyConfig(imm, out, recognizers=["facepp"], conditions=list(conditions),
                         recognizer_options={"facepp": {**FAST, **options}})
    return run_study(config, job or Job())


def rank1(out: Path) -> list[tuple]:
    return sorted((r.condition.split(":")[0], r.file, r.predicted, r.rank1_correct) for r in read_rows(out / "results.csv"))


def files_holding(folder: Path, *secrets: str) -> list[Path]:
    return [f for f in folder.rglob("*") if f.is_file() and any(s.encode() in f.read_bytes() for s in secrets)]


# -- the normal path -------------------------------------------------------------------------------------------


def test_study_through_facepp_matches_the_local_dlib_study(env, fixture_imm, tmp_path):
    cloaks = copies(fixture_imm, tmp_path / "cloaks")
    conditions = ("none", f"import:{cloaks}")
    job = Notes()
    study(fixture_imm, tmp_path / "facepp", conditions, job)
    run_study(StudyConfig(fixture_imm, tmp_path / "dlib", conditions=list(conditions)))

    assert rank1(tmp_path / "facepp") == rank1(tmp_path / "dlib") and len(rank1(tmp_path / "dlib")) == 6
    manifest = json.loads((tmp_path / "facepp" / "manifest.json").read_text())
    described = manifest["recognizers"]["facepp"]
    assert described["service_thresholds"] == {"1e-3": 62.327, "1e-4": 69.101, "1e-5": 73.975}
    assert described["service_thresholds_from"] == "search answers"
    assert described["max_candidates"] == 5 and described["faceset"].startswith(PREFIX)
    assert described["face_tokens_reused"] == 15  # the copies are the clean photos' bytes: detected once
    assert env.facesets == {}  # both runs' facesets deleted
    assert [e.path for e in env.log].count("faceset/create") == 2 == [e.path for e in env.log].count("faceset/delete")
    originals = {p.read_bytes() for p in fixture_imm.glob("*.jpg")}
    uploads = [e.upload for e in env.log if e.upload is not None]
    assert len(uploads) == 15 + 3 + 3 and all(u in originals for u in uploads)  # byte for byte
    assert all(e.fields["return_result_count"] == "5" for e in env.calls("search"))
    assert any("Face++ calls (18 photos sent)" in n for n in job.notes)  # the plan, before anything is sent
    assert not files_holding(tmp_path / "facepp", env.key, env.secret)


def test_without_the_clean_condition_face_plus_plus_own_line_is_used(env, fixture_imm, tmp_path):
    cloaks = copies(fixture_imm, tmp_path / "cloaks")
    study(fixture_imm, tmp_path / "study", [f"import:{cloaks}"])
    point = json.loads((tmp_path / "study" / "manifest.json").read_text())["recognizers"]["facepp"]["operating_point"]
    assert not point["calibrated"] and point["threshold"] == pytest.approx(0.69101)  # Face++'s 1e-4 line
    assert [r.threshold for r in read_rows(tmp_path / "study" / "results.csv")] == pytest.approx([0.69101] * 3)


def test_plan_counts_calls_time_and_uploads(env):
    recognizer = FacePlusPlusRecognizer()  # the default pace: a free key's 1 call a second
    plan = recognizer.plan(people=10, training_photos=50, test_photos=10)
    recognizer.close()
    assert (plan.calls, plan.uploads, plan.seconds) == (1 + 100 + 10 + 10 + 1, 60, 121.0)
    assert str(plan).startswith("about 122 Face++ calls (60 photos sent), at least 2 min at the chosen pace")
    assert "free API key: no charge" in str(plan) and plan.describe()["price_date"] == facepp.PRICE_DATE
    assert env.log == []  # planning calls nothing


def test_each_person_keeps_their_best_face_and_five_results_at_most(env, fixture_imm):
    with FacePlusPlusRecognizer(**FAST) as recognizer:
        ask_for_every_candidate(recognizer, 500)  # the study asks for everyone; Face++ gives 5 faces
        assert recognizer.max_candidates == 5
        for person in ("01", "02", "03"):
            for number in (1, 2):
                recognizer.enrol(person, photo(fixture_imm, person, number))
        recognizer.train()
        candidates = recognizer.identify(photo(fixture_imm, "02", 6))
    results = env.calls("search")[0]
    assert len(candidates) == len({c.person for c in candidates}) and candidates[0].person == "02"
    assert [c.score for c in candidates] == sorted((c.score for c in candidates), reverse=True)
    assert all(c.confidence == pytest.approx(c.score / 100) for c in candidates)
    assert results.fields["return_result_count"] == "5" and len(candidates) <= 3
    assert [e.path for e in env.log].count("faceset/addface") == 2  # six tokens: five, then one


def test_calls_are_paced(env, fixture_imm):
    with FacePlusPlusRecognizer(calls_per_second=20) as recognizer:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
        recognizer.train()
    gaps = np.diff([e.at for e in env.log])
    assert len(env.log) == 5 and min(gaps) > 0.04  # create, detect, setuserid, addface, delete: 0.05 s apart


# -- a busy or failing service ----------------------------------------------------------------------------------


def test_concurrency_limit_and_server_errors_are_waited_out(env, fixture_imm, tmp_path):
    study(fixture_imm, tmp_path / "calm", key=env.key, secret=env.secret)  # as the window passes them
    assert not files_holding(tmp_path / "calm", env.key, env.secret)
    env.concurrency_every, env.fail_next = 4, 3
    job = Notes()
    study(fixture_imm, tmp_path / "busy", job=job)

    assert rank1(tmp_path / "busy") == rank1(tmp_path / "calm")
    statuses = [e.status for e in env.log]
    assert statuses.count(403) >= 2 and statuses.count(500) == 3  # fewer calls: the faces were detected before
    waits = [n for n in job.notes if n.startswith("Waiting")]
    assert any("concurrency limit exceeded" in n for n in waits) and any("server error 500" in n for n in waits)
    assert env.facesets == {}
    described = json.loads((tmp_path / "busy" / "manifest.json").read_text())["recognizers"]["facepp"]
    assert described["retries"] == len([w for w in waits if "deleting" not in w])  # described before close


def test_server_errors_that_do_not_stop_are_fatal_in_one_line(env, fixture_imm):
    env.fail_next = 100
    with pytest.raises(ServiceError) as failure:
        with FacePlusPlusRecognizer(**FAST, max_retries=2) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert failure.value.fatal and "\n" not in str(failure.value)
    assert "still answered 'server error 500 INTERNAL_ERROR' to creating the faceset (3 tries)" in str(failure.value)


def test_calls_done_but_answered_with_an_error_are_tried_again_safely(env, fixture_imm):
    env.lose_next = 4  # the faceset made, a face detected three times: each answer lost, then tried again
    with FacePlusPlusRecognizer(**FAST) as recognizer:
        for number in range(1, 6):
            recognizer.enrol("01", photo(fixture_imm, "01", number))
        recognizer.train()
        assert recognizer.identify(photo(fixture_imm, "01", 6))[0].person == "01"
        assert len(env.facesets) == 1 and len(next(iter(env.facesets.values())).faces) == 5
    assert [e.error for e in env.log[:2]] == ["INTERNAL_ERROR", "FACESET_EXIST"] and env.facesets == {}


def test_a_faceset_made_but_never_confirmed_is_still_deleted(env, fixture_imm):
    """The create was carried out but its answer lost, and every try after it failed: the faceset is ours all the
    same, and the run's end deletes it instead of leaving it on the account."""
    env.lose_next, env.fail_next = 1, 2
    with pytest.raises(ServiceError):
        with FacePlusPlusRecognizer(**FAST, max_retries=2) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert env.log[-1].path == "faceset/delete" and env.facesets == {}


# -- keys, access and reachability -----------------------------------------------------------------------------


@pytest.mark.parametrize("variable, value, said", [
    (facepp.ENV_SECRET, "not-the-secret-at-all", "refused the API key and secret (401 AUTHENTICATION_ERROR)"),
    (facepp.ENV_KEY, "", "No Face++ API key: save them in the settings"),
])
def test_wrong_or_missing_credentials_stop_the_cli_in_one_line(env, fixture_imm, tmp_path, monkeypatch,
                                                               memory_keyring, variable, value, said):
    monkeypatch.setenv(variable, value)
    out = tmp_path / "out"
    code, stdout, stderr = run_main("study", "--dataset", fixture_imm, "--out", out, "--recognizer", "facepp",
                                    "--condition", "none")
    assert code == 1 and said in stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error: ")]  # the rest is progress
    assert len(errors) == 1 and said in errors[0] and stderr.strip().endswith(errors[0])
    assert len(env.log) == (1 if value else 0)  # stopped at its first call, before any photo left
    secrets = [s for s in (env.key, env.secret, value) if s]
    assert not any(s in stdout + stderr for s in secrets)
    assert not files_holding(out, *secrets)


def test_no_access_is_fatal_and_never_shows_the_secret(env, fixture_imm):
    env.authorization_error = "Denied by Client"
    with pytest.raises(ServiceError) as failure:
        with FacePlusPlusRecognizer(**FAST) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    message = str(failure.value)
    assert failure.value.fatal and "403 AUTHORIZATION_ERROR: Denied by Client" in message
    assert env.key not in message and env.secret not in message


def test_unreachable_service_is_fatal(closed_port, fixture_imm, monkeypatch):
    base = f"http://127.0.0.1:{closed_port}/facepp/v3"
    with pytest.raises(ServiceError, match=f"Cannot reach Face\\+\\+ at {base}: the connection was refused") as failure:
        with FacePlusPlusRecognizer(base, "some-api-key-000", "some-api-secret-000", **FAST) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert failure.value.fatal


def test_no_answer_in_time_is_fatal(env, fixture_imm):
    env.delay_s = 0.6
    with pytest.raises(ServiceError, match="Cannot reach Face\\+\\+ at .*: it did not answer in time") as failure:
        with FacePlusPlusRecognizer(**FAST, timeout_s=0.2) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    # tried once, not again; the faceset the late answer may have made is deleted all the same
    assert failure.value.fatal and [e.path for e in env.log].count("faceset/create") == 1
    assert env.log[-1].path == "faceset/delete"


def test_test_connection_says_each_case_in_one_call(env, closed_port):
    assert test_connection() == (True, f"Connected to Face++ at {env.endpoint}: the API key and secret work.")
    ok, message = test_connection(secret="wrong-secret-value")
    assert not ok and "AUTHENTICATION_ERROR" in message and "wrong-secret-value" not in message
    env.concurrency_every = 1
    assert test_connection()[0] and "concurrency limit" in test_connection()[1]
    ok, message = test_connection(f"http://127.0.0.1:{closed_port}")
    assert not ok and message.startswith(f"Cannot reach Face++ at http://127.0.0.1:{closed_port}/facepp/v3")
    assert len(env.log) == 4


def test_key_and_secret_from_the_keyring(server, memory_keyring, monkeypatch, fixture_imm):
    for name in (facepp.ENV_KEY, facepp.ENV_SECRET):
        monkeypatch.delenv(name, raising=False)
    save_secret("Face++", "api key", server.key)
    save_secret("Face++", "api secret", server.secret)
    assert test_connection(server.endpoint)[0]


def test_endpoints_as_users_paste_them():
    assert facepp.normalise_endpoint("https://api-cn.faceplusplus.com/") == facepp.CHINA_ENDPOINT
    assert facepp.normalise_endpoint("https://api-us.faceplusplus.com/facepp/v3/search") == facepp.DEFAULT_ENDPOINT
    with pytest.raises(ServiceError, match="not a web address"):
        facepp.normalise_endpoint("api-us.faceplusplus.com")


# -- photos ---------------------------------------------------------------------------------------------------


def test_a_photo_without_a_face_is_a_per_photo_problem(env, fixture_imm, tmp_path):
    faceless = tmp_path / "wall.png"
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (200, 200, 3), dtype=np.uint8)).save(faceless)
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (40, 40)).save(tiny)
    with FacePlusPlusRecognizer(**FAST) as recognizer:
        with pytest.raises(NoFaceFound):
            recognizer.enrol("01", faceless)
        with pytest.raises(UnusableImage, match="smaller than Face\\+\\+ accepts"):
            recognizer.enrol("01", tiny)
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
        recognizer.train()
        with pytest.raises(NoFaceFound):
            recognizer.identify(faceless)
        assert recognizer.identify(photo(fixture_imm, "01", 6))[0].person == "01"


def test_an_oversized_photo_is_shrunk_with_a_note_and_the_others_go_byte_for_byte(env, fixture_imm, tmp_path):
    big = tmp_path / "01-2m.png"  # the face in a wide strip of noise: over 4096 px and over 2 MB
    canvas = np.random.default_rng(2).integers(96, 160, (700, 4400, 3), dtype=np.uint8)
    canvas[110:590, 1880:2520] = np.asarray(Image.open(photo(fixture_imm, "01", 2)).convert("RGB"))
    Image.fromarray(canvas).save(big)
    assert big.stat().st_size > 2 * 1024 * 1024
    job = Notes()
    with FacePlusPlusRecognizer(**FAST, job=job) as recognizer:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
        recognizer.enrol("01", big)
        recognizer.train()
        assert recognizer.identify(photo(fixture_imm, "01", 6))[0].person == "01"
        changed = recognizer.describe()["changed_uploads"]
    uploads = [e.upload for e in env.log if e.upload is not None]
    assert uploads[0] == photo(fixture_imm, "01", 1).read_bytes() and uploads[2] == photo(fixture_imm, "01", 6).read_bytes()
    assert len(uploads[1]) <= 2 * 1024 * 1024 and max(Image.open(io.BytesIO(uploads[1])).size) <= 4096
    assert len(changed) == 1 and changed[0].startswith("01-2m.png (4400×700") and changed == [n for n in job.notes if "01-2m" in n]


def test_a_photo_the_service_refuses_is_skipped(env, fixture_imm):
    env.max_file_bytes = 1000  # as the real service refuses files over 2 MB
    with FacePlusPlusRecognizer(**FAST) as recognizer:
        with pytest.raises(UnusableImage, match="over Face\\+\\+'s limit of 2 MB"):
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert [e.error for e in env.log] == ["", "IMAGE_FILE_TOO_LARGE", ""]  # create, the refusal, delete


def test_a_name_face_plus_plus_would_refuse_is_kept_apart(env, fixture_imm):
    with FacePlusPlusRecognizer(**FAST) as recognizer:
        recognizer.enrol("Anna, Bob's", photo(fixture_imm, "01", 1))
        recognizer.enrol("Anna_ Bob_s", photo(fixture_imm, "02", 1))
        recognizer.train()
        assert recognizer.identify(photo(fixture_imm, "01", 6))[0].person == "Anna, Bob's"
        assert recognizer.identify(photo(fixture_imm, "02", 6))[0].person == "Anna_ Bob_s"


def test_an_expired_reused_face_token_is_detected_afresh(env, fixture_imm):
    def run():
        with FacePlusPlusRecognizer(**FAST) as recognizer:
            for person in ("01", "02"):
                recognizer.enrol(person, photo(fixture_imm, person, 1))
            recognizer.train()
            return recognizer.identify(photo(fixture_imm, "02", 6)), recognizer.reused

    first, _ = run()
    env.forget_tokens()  # Face++ forgets tokens outside any faceset after 72 hours
    again, reused = run()
    assert again == first and reused == 0
    assert [e.path for e in env.log].count("detect") == 4


# -- cancel, resume and leftovers -------------------------------------------------------------------------------


def test_a_study_cancelled_mid_enrolment_resumes_and_leaves_nothing(env, fixture_imm, tmp_path):
    out = tmp_path / "study"

    def cancel_at_the_seventh(progress):
        if progress.stage.startswith("Enrolling") and progress.done == 7:
            job.cancel()

    job = Notes(cancel_at_the_seventh)
    with pytest.raises(Cancelled):
        study(fixture_imm, out, job=job)
    assert env.facesets == {} and not (out / "summary.json").exists()
    study(fixture_imm, out)
    rows = read_rows(out / "results.csv")
    assert sorted(r.file for r in rows) == ["01-6m.jpg", "02-6m.jpg", "03-6m.jpg"]
    assert env.facesets == {}
    assert all(not f.facesets for f in env.faces.values())


def test_leftover_facesets_are_listed_and_deleted(env, fixture_imm):
    crashed = FacePlusPlusRecognizer(**FAST)
    crashed.enrol("01", photo(fixture_imm, "01", 1))  # never closed: as if the program was killed
    crashed._client.send("faceset/create", {"outer_id": "someone-elses", "tags": "fawkes-tracker"})
    found = leftover_facesets(calls_per_second=500)
    assert [f.object_id for f in found] == [crashed.faceset_id]
    assert found[0].service == "facepp" and found[0].description.startswith(f"faceset {crashed.faceset_id}, made ")
    facepp.delete_faceset(crashed.faceset_id, calls_per_second=500)
    facepp.delete_faceset(crashed.faceset_id, calls_per_second=500)  # already gone: fine
    assert leftover_facesets(calls_per_second=500) == []
    assert [f.outer_id for f in env.facesets.values()] == ["someone-elses"]
