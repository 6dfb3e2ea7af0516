"""Start the desktop application: ``run()`` is what ``python main.py`` calls without arguments."""
from __future__ import annotations

import signal
import socket
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QSocketNotifier, QTimer
from PySide6.QtWidgets import QApplication

from core.recognizers.registry import end_helper_processes

from .names import APP_NAME, ORGANISATION, REPO, SAMPLE  # noqa: F401 (kept importable from here)
from .worker import Task


def user_data_dir() -> Path:
    """Where the log, downloads, cloaks and studies go: the core's data folder, shared with the model files
    (``FAWKES_TRACKER_DATA`` if set, else e.g. ~/.local/share/FawkesTracker)."""
    from core.models.zoo import user_data_dir as core_data_dir

    return core_data_dir()


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APP_NAME)
    return app


def create_window(settings: QSettings | None = None, data_dir: Path | None = None):
    """The main window, shown; needs a QApplication. Tests pass their own settings and data folder."""
    from .errors import install_excepthook, start_log
    from .main_window import MainWindow

    data_dir = data_dir or user_data_dir()
    start_log(data_dir)
    window = MainWindow(settings or QSettings(), data_dir)
    install_excepthook(lambda: window)
    window.show()
    return window


def run() -> int:
    """The window until it is closed; SIGTERM and Ctrl+C close it as its close button does (running tasks
    cancelled, finished work kept), and no worker process outlives it."""
    app = application()
    window = None

    def close() -> None:
        if window is not None:
            window.close()
        app.quit()  # also when a dialog holds the window open

    # Qt's event loop runs no Python while it waits: a signal wakes it through this socket, and the
    # handler below then runs as the notifier's slot does. Installed first: start-up takes seconds.
    wake, wake_signal = socket.socketpair()
    for end in (wake, wake_signal):
        end.setblocking(False)
    signal.set_wakeup_fd(wake_signal.fileno())
    notifier = QSocketNotifier(wake.fileno(), QSocketNotifier.Type.Read)
    notifier.activated.connect(lambda: wake.recv(512))
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: QTimer.singleShot(0, close))
    try:
        window = create_window()
        window.open_start_dataset()
        return app.exec()
    finally:
        Task.stop_all()  # tasks that the closing window's own signals started, before the app goes away
        signal.set_wakeup_fd(-1)
        notifier.setEnabled(False)
        end_helper_processes()
