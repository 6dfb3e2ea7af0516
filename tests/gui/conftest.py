"""A real main window with its settings and data folder confined to the test's temporary folder."""
from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.app import create_window
from gui.worker import Task

TASK_TIMEOUT_MS = 90_000


def make_window(tmp_path):
    """Not handed to qtbot.addWidget: pytest-qt would delete it before our teardown can stop its tasks."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    return create_window(settings, tmp_path / "data")


def close_window(qtbot, window) -> None:
    window.close()  # cancels and waits for the window's tasks
    qtbot.waitUntil(lambda: not Task._running, timeout=TASK_TIMEOUT_MS)
    window.deleteLater()


@pytest.fixture
def window(qtbot, tmp_path):
    hook = sys.excepthook
    window = make_window(tmp_path)
    yield window
    close_window(qtbot, window)
    sys.excepthook = hook


def wait_for(qtbot, task: Task, timeout: int = TASK_TIMEOUT_MS) -> Task:
    """Wait until a task has ended, whatever the outcome."""
    assert task is not None
    qtbot.waitUntil(lambda: task.is_finished, timeout=timeout)
    return task


def open_dialogs(object_name: str) -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == object_name and w.isVisible()]


def open_fixture(qtbot, window, folder):
    with qtbot.waitSignal(window.dataset_tab.split_changed, timeout=TASK_TIMEOUT_MS):
        window.dataset_tab.open_folder(folder)
