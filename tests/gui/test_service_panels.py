"""The Recognition tab's Amazon Rekognition and Face++ panels against the local stand-ins of the services
(tests/rekognition_standin.py, tests/facepp_standin.py), with a keyring in memory: keys saved to the keyring only,
Test connection in plain words, what a crashed run left listed and deleted; and the question naming the company
before a study or a check that would send photos, where No sends nothing."""
from __future__ import annotations

import json
import shutil
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from core.recognizers.facepp import FacePlusPlusRecognizer
from core.recognizers.rekognition import RekognitionRecognizer
from core.recognizers.services import keys
from core.results import read_rows
from core.study import StudyConfig
from core.recognizers.services.secrets import SECRET_OPTIONS
from gui.privacy_question import NOT_READY, QUESTION
from gui.service_panels import PANELS
from tests.facepp_standin import FaceppStandIn
from tests.gui.conftest import TASK_TIMEOUT_MS, close_window, make_window, open_dialogs, open_fixture, wait_for
from tests.rekognition_standin import RekognitionStandIn

AWS_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION",
           "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_REKOGNITION")
FACEPP_ENV = ("FACEPP_API_KEY", "FACEPP_API_SECRET", "FACEPP_ENDPOINT")


@pytest.fixture
def services(monkeypatch, memory_keyring, tmp_path_factory):
    """Both stand-ins, found through the addresses the command line would use; no key anywhere but what the
    test types (no AWS files, no instance metadata, nothing kept in memory by an earlier test)."""
    for name in AWS_ENV + FACEPP_ENV:
        monkeypatch.delenv(name, raising=False)
    nowhere = tmp_path_factory.mktemp("no-aws-files")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(nowhere / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(keys, "_memory", {})
    with RekognitionStandIn() as aws, FaceppStandIn() as facepp:
        monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", aws.endpoint)
        monkeypatch.setenv("FACEPP_ENDPOINT", facepp.endpoint)
        yield aws, facepp


@pytest.fixture
def window(services, qtbot, tmp_path):
    """The window made once the stand-ins' addresses are set (the Face++ panel offers FACEPP_ENDPOINT's)."""
    hook = sys.excepthook
    made = make_window(tmp_path)
    wait_for(qtbot, made.recognition_tab.show_keyring_state())
    yield made
    close_window(qtbot, made)
    sys.excepthook = hook


def click(qtbot, panel, text: str) -> None:
    (button,) = [b for b in panel.findChildren(QPushButton) if b.text() == text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def items(panel) -> list[tuple[str, str]]:
    return [(panel.leftovers.item(i).data(Qt.ItemDataRole.UserRole), panel.leftovers.item(i).text())
            for i in range(panel.leftovers.count())]


def answer(qtbot, name: str) -> QMessageBox:
    qtbot.waitUntil(lambda: bool(open_dialogs(name)), timeout=TASK_TIMEOUT_MS)
    return open_dialogs(name)[0]


def test_typed_secrets_travel_only_under_names_the_study_never_writes():
    for panel in PANELS.values():
        assert set(panel.secret_options.values()) <= set(SECRET_OPTIONS), panel


def test_rekognition_panel_keeps_the_key_pair_in_the_keyring_and_cleans_up(services, window, qtbot, memory_keyring,
                                                                           fixture_imm, tmp_path):
    aws, _ = services
    tab = window.recognition_tab
    panel = tab.panels["rekognition"]
    assert tab.services.tabText(tab.services.indexOf(panel)) == "Amazon Rekognition"
    assert not tab.service_ready("rekognition")
    panel.secrets["access key id"].setText(aws.access_key_id)
    panel.secrets["secret access key"].setText(aws.secret_key)
    click(qtbot, panel, "Save keys")
    assert memory_keyring.stored == {("Fawkes Tracker Amazon Rekognition", "access key id"): aws.access_key_id,
                                     ("Fawkes Tracker Amazon Rekognition", "secret access key"): aws.secret_key}
    assert panel.secrets["secret access key"].text() == "" and "Saved" in panel.keyring_note.text()
    assert aws.secret_key not in panel.keyring_note.text() and tab.service_ready("rekognition")
    panel.region.setCurrentIndex(panel.region.findText(f"{aws.region} (", Qt.MatchFlag.MatchStartsWith))

    wait_for(qtbot, panel.test_connection())  # the saved pair, from the keyring
    assert panel.answer.text() == f"✔ Connected to Amazon Rekognition ({aws.endpoint}): the key pair works."
    panel.secrets["secret access key"].setText("a-wrong-secret-0123456789")  # typed, not saved: used as it is
    panel.secrets["access key id"].setText(aws.access_key_id)
    wait_for(qtbot, panel.test_connection())
    assert panel.answer.text().startswith("✘ Amazon Rekognition refused the AWS key pair")
    assert "a-wrong-secret" not in panel.answer.text()
    assert tab.recognizer_options(["rekognition"]) == {"rekognition": {
        "region": aws.region, "calls_per_second": 5.0, "key_id": aws.access_key_id, "key": "a-wrong-secret-0123456789"}}
    panel.secrets["secret access key"].clear()
    panel.secrets["access key id"].clear()

    crashed = RekognitionRecognizer(region=aws.region, calls_per_second=1000)  # the pair saved in the window
    crashed.enrol("01", fixture_imm / "01-1m.jpg")  # never closed, as after a crash
    wait_for(qtbot, panel.find_leftovers())
    ((object_id, words),) = items(panel)
    assert object_id == crashed.collection_id and words.startswith(f"collection {crashed.collection_id} (1 face")
    panel.leftovers.setCurrentRow(0)
    wait_for(qtbot, panel.delete_leftover())
    assert items(panel) == [] and aws.collections == {}
    wait_for(qtbot, panel.find_leftovers())
    assert panel.answer.text() == "No collections were left behind."

    tab.save_settings()
    window.settings.sync()
    written = (tmp_path / "settings.ini").read_text(encoding="utf-8")
    assert aws.region in written and aws.secret_key not in written and "a-wrong-secret" not in written


def test_facepp_panel_tests_with_a_typed_secret_and_deletes_a_leftover_faceset(services, window, qtbot, memory_keyring,
                                                                              fixture_imm):
    _, facepp = services
    tab = window.recognition_tab
    panel = tab.panels["facepp"]
    assert panel.endpoint.currentData() == facepp.endpoint and panel.endpoint.currentText().startswith("Set by FACEPP_ENDPOINT")
    panel.calls_per_second.setValue(100)
    panel.secrets["api key"].setText(facepp.key)
    click(qtbot, panel, "Save keys")  # the key only: the secret is typed below, for this session
    assert memory_keyring.stored == {("Fawkes Tracker Face++", "api key"): facepp.key}
    assert not tab.service_ready("facepp")
    panel.secrets["api secret"].setText(facepp.secret)
    assert tab.service_ready("facepp")
    assert tab.recognizer_options(["facepp"]) == {"facepp": {"endpoint": facepp.endpoint, "calls_per_second": 100.0,
                                                             "secret": facepp.secret}}

    wait_for(qtbot, panel.test_connection())
    assert panel.answer.text() == f"✔ Connected to Face++ at {facepp.endpoint}: the API key and secret work."
    panel.secrets["api secret"].setText("a-wrong-secret-value")
    wait_for(qtbot, panel.test_connection())
    assert panel.answer.text().startswith("✘ ") and "a-wrong-secret-value" not in panel.answer.text()
    panel.secrets["api secret"].setText(facepp.secret)

    crashed = FacePlusPlusRecognizer(facepp.endpoint, facepp.key, facepp.secret, calls_per_second=500)
    crashed.enrol("01", fixture_imm / "01-1m.jpg")  # never closed: as if the program was killed
    wait_for(qtbot, panel.find_leftovers())
    ((object_id, words),) = items(panel)
    assert object_id == crashed.faceset_id and words.startswith(f"faceset {crashed.faceset_id}")
    panel.leftovers.setCurrentRow(0)
    wait_for(qtbot, panel.delete_leftover())
    assert items(panel) == [] and facepp.facesets == {}
    wait_for(qtbot, panel.find_leftovers())
    assert panel.answer.text() == "No facesets were left behind."


def test_a_study_with_an_online_tracker_asks_first_and_no_sends_nothing(services, window, qtbot, fixture_imm):
    _, facepp = services
    open_fixture(qtbot, window, fixture_imm)
    window.cloaking_tab.set_conditions(["none"])
    tab = window.recognition_tab
    tab.set_recognizers(["facepp"])
    panel = tab.panels["facepp"]
    panel.calls_per_second.setValue(100)
    panel.secrets["api key"].setText(facepp.key)  # typed, never saved: for this study only
    panel.secrets["api secret"].setText(facepp.secret)

    window.run_study()
    box = answer(qtbot, QUESTION)
    assert box.text() == "Your photos will be sent to Megvii (Face++). Send them?"
    details = box.informativeText()
    assert "3 people, 15 training and 3 test photos a run." in details
    assert "• Face++, in one run: about 38 Face++ calls (18 photos sent), at least 0 s at the chosen pace" in details
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    assert window.results_tab.progress.task is None and facepp.log == []
    assert not (window.data_dir / "studies").exists()

    window.run_study()
    box = answer(qtbot, QUESTION)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Yes), Qt.MouseButton.LeftButton)
    study = wait_for(qtbot, window.results_tab.progress.task, timeout=300_000)
    assert study.is_finished and not study.job.cancelled
    out = window.results_tab.study_dir
    assert sorted(r.file for r in read_rows(out / "results.csv")) == ["01-6m.jpg", "02-6m.jpg", "03-6m.jpg"]
    assert facepp.facesets == {}  # the run's faceset deleted at its end
    written = json.loads((out / "study.json").read_text(encoding="utf-8"))["recognizer_options"]["facepp"]
    assert written == {"endpoint": facepp.endpoint, "calls_per_second": 100.0}
    everything = b"".join(f.read_bytes() for f in out.rglob("*") if f.is_file())
    assert facepp.secret.encode() not in everything and facepp.key.encode() not in everything


def test_check_my_photos_offers_a_service_once_set_up_and_asks_before_sending(services, window, qtbot, fixture_imm,
                                                                             tmp_path):
    _, facepp = services
    from core.self_check import find_my_photos

    dialog = window.check_my_photos()
    boxes = dialog.recognizer_boxes
    assert not boxes["facepp"].isEnabled() and not boxes["rekognition"].isEnabled() and not boxes["azure"].isEnabled()
    panel = window.recognition_tab.panels["facepp"]
    panel.secrets["api key"].setText(facepp.key)
    assert not boxes["facepp"].isEnabled()  # a key without its secret is not enough
    panel.secrets["api secret"].setText(facepp.secret)
    assert boxes["facepp"].isEnabled() and not boxes["rekognition"].isEnabled()
    click(qtbot, panel, "Save keys")
    assert boxes["facepp"].isEnabled()
    for name in ("mobileface", "faceres"):
        boxes[name].setChecked(False)
    boxes["facepp"].setChecked(True)
    assert dialog.recognizers() == ["dlib", "facepp"]
    assert dialog.config().recognizer_options["facepp"] == {"endpoint": facepp.endpoint, "calls_per_second": 1.0}

    mine = tmp_path / "my photos"
    mine.mkdir()
    for i in range(1, 7):
        shutil.copy(fixture_imm / f"03-{i}m.jpg", mine / f"IMG_{i:04d}.jpg")
    dialog.mine = find_my_photos(mine)  # as set_photos would, without starting the time estimate
    assert dialog.run() is None
    box = answer(qtbot, QUESTION)
    assert box.text() == "Your photos will be sent to Megvii (Face++). Send them?"
    assert "6 people, 34 training and 2 test photos a run." in box.informativeText()  # the sample's 5 and you
    assert "• Face++, in 3 runs (one per condition and repeat): about " in box.informativeText()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    assert dialog.progress.task is None and facepp.log == []
    assert not (window.data_dir / "self-checks").exists()

    click(qtbot, panel, "Forget keys")  # the service can no longer be asked: the box follows
    assert not boxes["facepp"].isEnabled() and dialog.recognizers() == ["dlib"]
    dialog.close()


def test_a_service_that_is_not_set_up_stops_before_the_question(services, window, qtbot, fixture_imm):
    aws, _ = services
    open_fixture(qtbot, window, fixture_imm)
    window.cloaking_tab.set_conditions(["none"])
    window.recognition_tab.set_recognizers(["dlib", "rekognition"])  # no key pair anywhere
    window.run_study()
    box = answer(qtbot, NOT_READY)
    assert "No AWS credentials for Amazon Rekognition" in box.informativeText()
    box.close()
    assert window.results_tab.progress.task is None and aws.log == []


def test_finishing_an_interrupted_study_with_an_online_tracker_asks_again(services, window, qtbot, fixture_imm, tmp_path):
    """A resumed study sends photos too: the question comes before it, from the reopened folder and from the
    Results tab's button alike, and No sends nothing."""
    _, facepp = services
    out = tmp_path / "interrupted"
    options = {"endpoint": facepp.endpoint, "calls_per_second": 100.0}
    (out).mkdir()
    (out / "study.json").write_text(json.dumps(StudyConfig(fixture_imm, out, recognizers=["facepp"],
                                                           recognizer_options={"facepp": options}).to_json()))
    panel = window.recognition_tab.panels["facepp"]
    panel.secrets["api key"].setText(facepp.key)
    panel.secrets["api secret"].setText(facepp.secret)

    window.open_study(out)
    qtbot.waitUntil(lambda: bool(open_dialogs("resumeDialog")), timeout=TASK_TIMEOUT_MS)
    open_dialogs("resumeDialog")[0].accept()
    box = answer(qtbot, QUESTION)
    assert box.text() == "Your photos will be sent to Megvii (Face++). Send them?"
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.results_tab.resume_button, Qt.MouseButton.LeftButton)
    box = answer(qtbot, QUESTION)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    qtbot.wait(200)
    assert window.results_tab.progress.task is None and facepp.log == []
