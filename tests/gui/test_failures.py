"""No error vanishes in the window: a task nobody handles goes to the log and a dialog naming it; a folder
holding another study is never mixed with the new one."""
from __future__ import annotations

import shutil

import keyring
import keyring.backend
from PySide6.QtWidgets import QMessageBox

from core.study_folder import load_study
from gui.errors import log
from gui.worker import run_task
from tests.gui.conftest import TASK_TIMEOUT_MS, open_dialogs, open_fixture, wait_for


class BrokenKeyring(keyring.backend.KeyringBackend):
    """A system keyring whose service has died (D-Bus gone): every question fails."""
    priority = 1

    def get_password(self, service, username):
        raise OSError("The name org.freedesktop.secrets was not provided by any .service files")

    def set_password(self, service, username, password):
        raise OSError("no secret service")

    def delete_password(self, service, username):
        raise OSError("no secret service")


def _dialog_texts(window) -> list[str]:
    """The error dialogs this window shows (not those of an earlier test's window)."""
    return [f"{d.text()} {d.informativeText()}" for d in open_dialogs("errorDialog")
            if d.parentWidget() is window or window.isAncestorOf(d.parentWidget())]


def test_a_failing_keyring_check_is_logged_and_shown(window, qtbot, monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    monkeypatch.delenv("AZURE_FACE_KEY", raising=False)
    try:
        window.recognition_tab.show_keyring_state()
        qtbot.waitUntil(lambda: any("looking for the keyring" in t for t in _dialog_texts(window)), timeout=TASK_TIMEOUT_MS)
    finally:
        keyring.set_keyring(previous)
    texts = [t for t in _dialog_texts(window) if "keyring" in t]  # the start-up check may have met it too
    assert texts and all(text.startswith("Problem while looking for the keyring.") for text in texts)
    text = texts[0]
    assert text.startswith("Problem while looking for the keyring.") and "org.freedesktop.secrets" in text
    logged = log.log_path.read_text(encoding="utf-8")
    assert "Error while looking for the keyring" in logged and "OSError" in logged


def test_a_task_without_a_failure_handler_gets_the_default_one_and_a_handled_one_does_not(window, qtbot, tmp_path):
    missing = tmp_path / "missing.txt"
    task = wait_for(qtbot, run_task(window, lambda job: missing.read_text(), "reading the notes"))
    assert task.error_dialog.text() == "Problem while reading the notes."
    assert str(missing) in task.error_dialog.informativeText()
    assert "FileNotFoundError" in log.log_path.read_text(encoding="utf-8")
    task.error_dialog.close()

    seen = []
    handled = wait_for(qtbot, run_task(window, lambda job: missing.read_text(), "reading it again", failure=seen.append))
    assert isinstance(seen[0], FileNotFoundError) and not hasattr(handled, "error_dialog")
    assert not _dialog_texts(window)


def test_resuming_into_a_folder_whose_photos_changed_offers_another_folder_or_a_fresh_start(window, qtbot, fixture_imm, tmp_path):
    data = tmp_path / "photos"
    shutil.copytree(fixture_imm, data)
    open_fixture(qtbot, window, data)
    window.cloaking_tab.set_conditions(["none"])
    window.recognition_tab.set_recognizers(["dlib"])
    window.run_study()
    wait_for(qtbot, window.results_tab.progress.task)
    folder = window.results_tab.study_dir
    (folder / "summary.json").unlink()  # as if interrupted
    before = (folder / "results.csv").read_text()
    shutil.copy(data / "03-2m.jpg", data / "03-1m.jpg")  # the dataset has changed since

    window.open_study(folder)
    qtbot.waitUntil(lambda: bool(open_dialogs("resumeDialog")), timeout=TASK_TIMEOUT_MS)
    open_dialogs("resumeDialog")[0].accept()
    qtbot.waitUntil(lambda: bool(open_dialogs("differentStudyDialog")), timeout=TASK_TIMEOUT_MS)
    box: QMessageBox = open_dialogs("differentStudyDialog")[0]
    assert f"the photos in {data} have changed since" in box.informativeText()
    assert (folder / "results.csv").read_text() == before, "nothing may be mixed into the other study"
    assert {b.text() for b in box.buttons()} == {"Another folder…", "Start afresh", "Cancel"}
    (afresh,) = [b for b in box.buttons() if b.text() == "Start afresh"]
    afresh.click()
    wait_for(qtbot, window.results_tab.progress.task)
    assert load_study(folder).finished and len(load_study(folder).rows) == 3
