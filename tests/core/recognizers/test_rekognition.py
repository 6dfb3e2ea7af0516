"""The Amazon Rekognition backend, driven through the real boto3 client against the local stand-in
(tests/rekognition_standin.py), which identifies people with dlib: only the remote service is stood in for,
and no test may reach AWS (the endpoint override points every call at 127.0.0.1)."""
from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.images import NoFaceFound, UnusableImage, load_rgb
from core.jobs import Cancelled, Job
from core.recognizers import rekognition
from core.recognizers.rekognition import RekognitionRecognizer
from core.recognizers.services.errors import ServiceError
from core.recognizers.services.keys import save_secret
from core.results import NO_FACE, read_rows
from core.study import StudyConfig, run_study
from tests.cli_runner import run_main
from tests.rekognition_standin import RekognitionStandIn, _Collection
from tests.service_helpers import Notes, closed_port, photo  # noqa: F401 - closed_port is a fixture

FAST = {"calls_per_second": 1000, "backoff_s": 0.05, "poll_interval_s": 0.01}
AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION",
           "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_REKOGNITION")


@pytest.fixture
def aws(monkeypatch, memory_keyring, tmp_path_factory):
    """The stand-in, and an environment in which boto3 finds its key pair, region and address and nothing else:
    no ~/.aws files, no instance metadata, no keyring of the tester's."""
    for name in AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    nowhere = tmp_path_factory.mktemp("no-aws-files")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with RekognitionStandIn() as server:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", server.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", server.secret_key)
        monkeypatch.setenv("AWS_DEFAULT_REGION", server.region)
        monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", server.endpoint)
        yield server


def faceless(imm: Path, folder: Path) -> Path:
    """A wall of hair and forehead: an image Rekognition reads but finds no face in."""
    path = folder / "wall.png"
    Image.fromarray(load_rgb(photo(imm, "01", 1))[:60, :200]).resize((400, 120)).save(path)
    return path


def rows_of(out: Path) -> list[tuple]:
    return sorted((r.condition, r.person, r.file, r.predicted, r.outcome, r.rank1_correct)
                  for r in read_rows(out / "results.csv"))


@functools.lru_cache(maxsize=None)
def dlib_rows(dataset: Path, conditions: tuple[str, ...] = ("none",)) -> list[tuple]:
    out = Path(tempfile.mkdtemp(prefix="dlib-study-"))
    try:
        run_study(StudyConfig(dataset, out, recognizers=["dlib"], conditions=list(conditions)))
        return rows_of(out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def study(dataset: Path, out: Path, job: Job | None = None, conditions=("none",), **options) -> list[tuple]:
    run_study(StudyConfig(dataset, out, recognizers=["rekognition"], conditions=list(conditions),
                          recognizer_options={"rekognition": {**FAST, **options}}), job or Job())
    return rows_of(out)


def written_with(root: Path, secret: str) -> list[Path]:
    return [f for f in root.rglob("*") if f.is_file() and secret.encode() in f.read_bytes()]


# -- the normal path -------------------------------------------------------------------------------------------


def test_study_through_rekognition_matches_local_dlib_study(aws, fixture_imm, tmp_path):
    copies = tmp_path / "copies"
    copies.mkdir()
    for person in ("01", "02", "03"):
        for number in range(1, 6):
            shutil.copy(photo(fixture_imm, person, number), copies / f"{person}-{number}m.png")  # JPEG bytes inside
    conditions = ("none", f"import:{copies}")
    job = Notes()

    rows = study(fixture_imm, tmp_path / "out", job, conditions)

    assert rows and rows == dlib_rows(fixture_imm, conditions)
    assert len(rows) == 6 and all(r[4] == "identified" for r in rows)
    assert any("Amazon Rekognition calls (18 photos sent)" in n and "USD at the price list of" in n for n in job.notes)
    sent = [e.image for e in aws.log if e.operation in ("IndexFaces", "SearchUsersByImage")]
    files = {p.read_bytes() for p in fixture_imm.glob("*.jpg")}
    assert len(sent) == 36 and set(sent) <= files  # every photo byte for byte
    assert aws.operations().count("CreateCollection") == aws.operations().count("DeleteCollection") == 2
    assert aws.collections == {}
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"collection": "fawkes-tracker-' in manifest and '"matching": "users"' in manifest
    assert not written_with(tmp_path, aws.secret_key)


def test_calls_are_paced(aws, fixture_imm):
    with RekognitionRecognizer(calls_per_second=20) as recognizer:
        for number in (1, 2, 3):
            recognizer.enrol("01", photo(fixture_imm, "01", number))
        assert recognizer.calls_made == 4
    gaps = np.diff([e.at for e in aws.log])
    assert len(gaps) == 4 and min(gaps) > 0.04  # 0.05 s apart, less the jitter of arrival times


def test_plan_tells_calls_time_photos_and_price(aws):
    plan = RekognitionRecognizer().plan(people=40, training_photos=200, test_photos=40)
    assert (plan.calls, plan.uploads) == (1 + 200 + 40 + 40 + 40 + 1, 240)
    assert plan.seconds == pytest.approx(321 / 5)
    assert plan.cost == pytest.approx(0.28)  # 280 billed images at USD 1 per 1,000
    assert str(plan) == ("about 322 Amazon Rekognition calls (240 photos sent), at least 64 s at the chosen pace, "
                         f"about 0.28 USD at the price list of {rekognition.PRICE_DATE} ({rekognition.PRICE_NOTE})")


def test_users_still_updating_are_waited_for(aws, fixture_imm):
    aws.updating_polls = 2
    with RekognitionRecognizer(**FAST) as recognizer:
        for person in ("01", "02"):
            recognizer.enrol(person, photo(fixture_imm, person, 1))
        assert recognizer.identify(photo(fixture_imm, "02", 6))[0].person == "02"
    assert aws.operations().count("ListUsers") == 3


# -- waits: the run finishes and loses nothing -----------------------------------------------------------------


def test_throttling_and_server_errors_are_waited_out(aws, fixture_imm, tmp_path):
    aws.throttle_every, aws.fail_next = 4, 2
    job = Notes()

    rows = study(fixture_imm, tmp_path / "out", job)

    assert rows == dlib_rows(fixture_imm)
    refused = [e for e in aws.log if e.status != 200]
    assert sum(e.status == 500 for e in refused) == 2 and sum(e.error == "ThrottlingException" for e in refused) >= 5
    waits = [n for n in job.notes if n.startswith("Waiting ")]
    assert len(waits) == len(refused)
    assert sum("(server error 500)" in n for n in waits) == 2 and sum("(rate limit)" in n for n in waits) >= 5
    assert aws.collections == {}


def test_throughput_refusals_are_retried_then_said_plainly(aws, fixture_imm):
    aws.throttle_every, aws.throttle_code = 2, "ProvisionedThroughputExceededException"
    job = Notes()
    with RekognitionRecognizer(job=job, **FAST) as recognizer:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert job.notes == ["Waiting 0.05 s (rate limit) before adding 01-1m.jpg to 01; attempt 2 of 7, 2 calls so far.",
                         "Waiting 0.05 s (rate limit) before deleting the collection; attempt 2 of 7, 4 calls so far."]
    assert aws.collections == {}

    aws.throttle_every = 1  # every call refused: give up after the policy's tries
    with pytest.raises(ServiceError) as caught:
        RekognitionRecognizer(max_retries=2, **FAST).enrol("01", photo(fixture_imm, "01", 1))
    assert caught.value.fatal and str(caught.value) == (
        "Amazon Rekognition still answered 'rate limit' to creating the collection (3 tries); try again later or "
        "choose a slower pace.")


def test_a_collection_made_but_never_confirmed_is_still_deleted(aws, fixture_imm):
    """The create was carried out but its answer lost, and every try after it failed: the collection is ours
    all the same, and the run's end deletes it instead of leaving it on the account."""
    aws.lose_next, aws.fail_next = 1, 2
    with pytest.raises(ServiceError):
        with RekognitionRecognizer(max_retries=2, **FAST) as recognizer:
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
    assert aws.operations()[:3] == ["CreateCollection"] * 3 and aws.operations()[-1] == "DeleteCollection"
    assert aws.collections == {}


# -- credentials: one plain line, the secret never shown or written --------------------------------------------


@pytest.mark.parametrize("variable, value, expected", [
    ("AWS_SECRET_ACCESS_KEY", "wrong/Secret+Key0123456789abcdefghijklmn", "InvalidSignatureException"),
    ("AWS_ACCESS_KEY_ID", "AKIANOTTHEKEY0000000", "UnrecognizedClientException"),
    (None, None, "No AWS credentials"),
])
def test_wrong_or_missing_credentials_stop_the_command_with_one_line(aws, fixture_imm, tmp_path, monkeypatch,
                                                                     variable, value, expected):
    secret = value if variable == "AWS_SECRET_ACCESS_KEY" else aws.secret_key
    if variable:
        monkeypatch.setenv(variable, value)
    else:
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    code, stdout, stderr = run_main("study", "--dataset", fixture_imm, "--out", tmp_path / "out", "--recognizer",
                                    "rekognition", "--condition", "none")

    errors = [line for line in stderr.splitlines() if line.startswith("error")]
    assert code == 1 and len(errors) == 1 and stderr.splitlines()[-1] == errors[0]  # after the progress lines
    assert expected in errors[0] and ("key pair" in errors[0] or "credentials" in errors[0])
    assert secret not in stdout + stderr and not written_with(tmp_path, secret)
    assert len([e for e in aws.log if e.status == 200]) == 0 and aws.collections == {}


def test_key_pair_from_the_window_or_the_keyring(aws, fixture_imm, monkeypatch):
    key_id, secret = aws.access_key_id, aws.secret_key
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ServiceError, match="No AWS credentials"):
        RekognitionRecognizer(region=aws.region)
    with pytest.raises(ServiceError, match="both the AWS access key id and the secret access key"):
        RekognitionRecognizer(key_id=key_id, region=aws.region)
    with pytest.raises(ServiceError, match="No AWS region"):
        RekognitionRecognizer(key_id=key_id, key=secret)

    with RekognitionRecognizer(key_id=key_id, key=secret, region=aws.region, **FAST) as given:
        given.enrol("01", photo(fixture_imm, "01", 1))
        assert given.describe()["credentials_from"] == "explicit"
    save_secret(rekognition.SERVICE, "access key id", key_id)
    save_secret(rekognition.SERVICE, "secret access key", secret)
    with RekognitionRecognizer(region=aws.region, **FAST) as saved:
        saved.enrol("01", photo(fixture_imm, "01", 1))
        shown = str(saved.describe()) + repr(saved)
    assert secret not in shown and aws.collections == {}


# -- per-photo problems: recorded, the run goes on -------------------------------------------------------------


def test_photos_without_a_usable_face_are_per_photo_problems(aws, fixture_imm, tmp_path):
    wall = faceless(fixture_imm, tmp_path)
    with RekognitionRecognizer(**FAST) as recognizer:
        with pytest.raises(NoFaceFound) as no_face:
            recognizer.enrol("01", wall)
        aws.unindexed_reasons = ["LOW_SHARPNESS", "EXTREME_POSE"]
        with pytest.raises(UnusableImage, match=r"would not index it \(the head is turned too far, too blurry\)"):
            recognizer.enrol("01", photo(fixture_imm, "01", 1))
        aws.unindexed_reasons = None
        assert not isinstance(no_face.value, ServiceError)
        for person in ("01", "02"):
            recognizer.enrol(person, photo(fixture_imm, person, 1))
        with pytest.raises(NoFaceFound):
            recognizer.identify(wall)  # an answer without a searched face
        aws.no_face_error = True
        with pytest.raises(NoFaceFound):
            recognizer.identify(wall)  # InvalidParameterException "There are no faces in the image"
        assert recognizer.identify(photo(fixture_imm, "02", 6))[0].person == "02"


def test_a_test_photo_without_a_face_is_a_row_with_its_reason(aws, fixture_imm, tmp_path):
    dataset = tmp_path / "dataset"
    shutil.copytree(fixture_imm, dataset)
    faceless(fixture_imm, tmp_path).replace(dataset / "03-6m.jpg")  # a PNG under a JPEG name, as people do

    study(dataset, tmp_path / "out")

    rows = {r.file: r for r in read_rows(tmp_path / "out" / "results.csv")}
    assert rows["03-6m.jpg"].outcome == NO_FACE and rows["03-6m.jpg"].reason == "no face found"
    assert rows["01-6m.jpg"].predicted == "01" and rows["02-6m.jpg"].predicted == "02"
    assert aws.collections == {}


def test_an_oversized_photo_is_shrunk_with_a_note_and_the_rest_go_byte_for_byte(aws, fixture_imm, tmp_path):
    big = tmp_path / "01-big.png"
    upscaled = np.asarray(Image.fromarray(load_rgb(photo(fixture_imm, "01", 1))).resize((2400, 1800), Image.BICUBIC))
    noise = np.random.default_rng(0).integers(-8, 9, upscaled.shape)
    Image.fromarray(np.clip(upscaled + noise, 0, 255).astype(np.uint8)).save(big)
    assert big.stat().st_size > 5 * 2**20
    job = Notes()

    with RekognitionRecognizer(job=job, **FAST) as recognizer:
        recognizer.enrol("01", big)
        recognizer.enrol("02", photo(fixture_imm, "02", 1))
        assert recognizer.identify(photo(fixture_imm, "01", 4))[0].person == "01"
        assert recognizer.describe()["changed_uploads"] == job.notes

    assert len(job.notes) == 1 and job.notes[0].startswith("01-big.png is ")
    assert "over Amazon Rekognition's limit of 5 MB: sent a JPEG copy" in job.notes[0]
    indexed = [e.image for e in aws.log if e.operation == "IndexFaces"]
    assert indexed[0][:2] == b"\xff\xd8" and len(indexed[0]) <= 5 * 2**20
    assert indexed[1] == photo(fixture_imm, "02", 1).read_bytes()
    searched = [e.image for e in aws.log if e.operation == "SearchUsersByImage"]
    assert searched == [photo(fixture_imm, "01", 4).read_bytes()]


def test_an_image_the_service_refuses_is_a_per_photo_problem(aws, fixture_imm):
    with RekognitionRecognizer(**FAST) as recognizer:
        recognizer.enrol("01", photo(fixture_imm, "01", 1))
        aws.max_bytes = 1000
        with pytest.raises(UnusableImage, match=r"refused it \(ImageTooLargeException\)") as caught:
            recognizer.enrol("01", photo(fixture_imm, "01", 2))
    assert not isinstance(caught.value, ServiceError)


# -- clean-up: nothing left behind -----------------------------------------------------------------------------


class CancelWhileEnrolling(Job):
    """Cancels when the study has enrolled ``at`` training photos."""

    def __init__(self, at: int):
        super().__init__()
        self.at = at

    def step(self, stage: str, done: int, total: int, message: str = "") -> None:
        if stage.startswith("Enrolling training photos") and done == self.at:
            self.cancel()
        super().step(stage, done, total, message)


def test_a_study_cancelled_while_enrolling_resumes_and_leaves_nothing(aws, fixture_imm, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(Cancelled):
        study(fixture_imm, out, CancelWhileEnrolling(7))
    assert aws.operations().count("IndexFaces") == 7
    assert aws.collections == {} and aws.operations()[-1] == "DeleteCollection"  # deleted although cancelled

    rows = study(fixture_imm, out)

    assert rows == dlib_rows(fixture_imm) and len(rows) == len(set(rows)) == 3
    assert len(read_rows(out / "results.csv")) == 3
    assert aws.operations().count("CreateCollection") == aws.operations().count("DeleteCollection") == 2
    assert aws.collections == {}


def test_leftover_collections_are_listed_and_deleted(aws, fixture_imm):
    crashed = RekognitionRecognizer(**FAST)
    crashed.enrol("01", photo(fixture_imm, "01", 1))  # never closed, as after a crash
    aws.collections["someone-elses-collection"] = _Collection(0.0)
    aws.page_size = 1  # the listing comes in pages

    left = rekognition.leftover_collections()
    assert [(c.service, c.object_id) for c in left] == [("rekognition", crashed.collection_id)]
    assert left[0].description.startswith(f"collection {crashed.collection_id} (1 face, 0 people), made 20")

    rekognition.delete_collection(crashed.collection_id)
    rekognition.delete_collection(crashed.collection_id)  # gone already: fine
    assert rekognition.leftover_collections() == []
    assert list(aws.collections) == ["someone-elses-collection"]


def test_test_connection_tells_the_cases_apart(aws, monkeypatch, closed_port):
    ok, message = rekognition.test_connection()
    assert ok and message == f"Connected to Amazon Rekognition ({aws.endpoint}): the key pair works."
    assert aws.operations() == ["ListCollections"]

    ok, message = rekognition.test_connection(key_id=aws.access_key_id, key="wrong-secret-0123456789")
    assert not ok and "InvalidSignatureException" in message and "wrong-secret-0123456789" not in message

    aws.denied = {"ListCollections"}
    ok, message = rekognition.test_connection()
    assert not ok and "may not call rekognition:ListCollections" in message

    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", f"http://127.0.0.1:{closed_port}")
    ok, message = rekognition.test_connection(timeout_s=2)
    assert not ok and message.startswith(f"Cannot reach Amazon Rekognition at http://127.0.0.1:{closed_port}")

    monkeypatch.delenv("AWS_DEFAULT_REGION")
    ok, message = rekognition.test_connection()
    assert not ok and message.startswith("No AWS region")
