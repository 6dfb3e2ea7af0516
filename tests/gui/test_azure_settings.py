"""The Recognition tab's Azure controls against the local stand-in of the Face API, with a keyring in memory."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.recognizers.azure import AzureRecognizer
from tests.gui.conftest import wait_for


def click(qtbot, button_text: str, tab) -> None:
    from PySide6.QtWidgets import QPushButton

    (button,) = [b for b in tab.findChildren(QPushButton) if b.text() == button_text]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_key_goes_to_the_keyring_and_test_connection_answers_plainly(window, qtbot, standin, memory_keyring, tmp_path):
    tab = window.recognition_tab
    tab.endpoint.setText(standin.endpoint)
    tab.key.setText(standin.key)
    click(qtbot, "Save key", tab)
    assert memory_keyring.stored and list(memory_keyring.stored.values()) == [standin.key]
    assert tab.key.text() == "" and "Saved" in tab.keyring_note.text() and standin.key not in tab.keyring_note.text()

    wait_for(qtbot, tab.test_connection())  # the saved key, from the keyring
    assert tab.answer.text().startswith("✔ Connected to " + standin.endpoint)

    standin.unapproved = True
    wait_for(qtbot, tab.test_connection())
    assert tab.answer.text().startswith("✘ ") and "Limited Access" in tab.answer.text()
    standin.unapproved = False

    tab.key.setText("a-wrong-key")  # typed, not saved: used as it is
    wait_for(qtbot, tab.test_connection())
    assert tab.answer.text().startswith("✘ ") and "a-wrong-key" not in tab.answer.text()

    tab.save_settings()
    window.settings.sync()
    written = (tmp_path / "settings.ini").read_text(encoding="utf-8")
    assert standin.endpoint in written and standin.key not in written and "a-wrong-key" not in written
    everything = [f for f in tmp_path.rglob("*") if f.is_file()]  # settings, the log, the data folder
    assert any(f.name == "fawkes-tracker.log" for f in everything)
    assert not [f for f in everything if standin.key.encode() in f.read_bytes() or b"a-wrong-key" in f.read_bytes()]


def test_groups_left_by_a_crashed_run_are_listed_and_deleted(window, qtbot, standin, memory_keyring, fixture_imm):
    crashed = AzureRecognizer(standin.endpoint, standin.key, calls_per_second=1000)
    crashed.enrol("01", fixture_imm / "01-1m.jpg")  # never closed, as after a crash
    tab = window.recognition_tab
    tab.endpoint.setText(standin.endpoint)
    tab.key.setText(standin.key)

    wait_for(qtbot, tab.find_leftovers())
    assert [tab.leftovers.item(i).text() for i in range(tab.leftovers.count())] == [crashed.group_id]
    tab.leftovers.setCurrentRow(0)
    wait_for(qtbot, tab.delete_leftover())
    assert tab.leftovers.count() == 0 and crashed.group_id not in standin.groups

    wait_for(qtbot, tab.find_leftovers())
    assert tab.answer.text() == "No groups were left behind."
