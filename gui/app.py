"""Start the desktop application: ``run()`` is what ``python main.py`` calls without arguments."""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from .names import APP_NAME, ORGANISATION, REPO, SAMPLE  # noqa: F401 (kept importable from here)


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
    app = application()
    window = create_window()
    window.open_start_dataset()
    return app.exec()
