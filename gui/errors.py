"""Errors as short plain-language dialogs; the full detail goes to a log file in the user's data folder."""
from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import shiboken6
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger("fawkes_tracker")
LOG_NAME = "fawkes-tracker.log"

# Exceptions whose text our core already writes as a plain sentence naming the file or cause.
PLAIN = (FileNotFoundError, NotADirectoryError, PermissionError, ValueError, RuntimeError, KeyError, OSError)


def start_log(data_dir: Path) -> Path:
    """Send the app's log (with tracebacks) to ``data_dir/fawkes-tracker.log``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOG_NAME
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.log_path = path  # type: ignore[attr-defined]
    return path


def plain_reason(exc: BaseException) -> str:
    """One line for the user: the exception's own sentence when it is one of ours, else a general one."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if text and (isinstance(exc, PLAIN) or type(exc).__module__.startswith("core")):
        return text.strip("'\"")
    return f"An unexpected problem occurred ({type(exc).__name__})."


def show_error(parent: QWidget | None, doing: str, exc: BaseException, advice: str = "") -> QMessageBox:
    """Log ``exc`` in full and show a short, non-blocking dialog: what failed, why, what to do."""
    log.error("Error while %s:\n%s", doing, "".join(traceback.format_exception(exc)))
    log_path = getattr(log, "log_path", None)
    box = QMessageBox(QMessageBox.Icon.Warning, "Fawkes Tracker", f"Problem while {doing}.", QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    details = plain_reason(exc)
    if advice:
        details += f"\n\n{advice}"
    if log_path is not None:
        details += f"\n\nThe full details are in the log file {log_path}."
    box.setInformativeText(details)
    box.open()  # window-modal but does not block the event loop
    return box


def install_excepthook(parent_of_dialogs) -> None:
    """Route exceptions escaping a slot to a dialog and the log, instead of a traceback on stderr."""
    def hook(kind, exc, tb):
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, tb)
            return
        parent = parent_of_dialogs()
        show_error(parent if shiboken6.isValid(parent) else None, "doing what you asked", exc.with_traceback(tb))

    sys.excepthook = hook
