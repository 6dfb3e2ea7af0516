"""The window's one threading helper: run a core call off the GUI thread, with progress and cancel.

``run_task(parent, call, description, success=..., panel=...)`` is how every part of the window starts
background work: ``call(job)`` runs in a worker thread (superqt's ``thread_worker`` machinery on Qt's
thread pool). ``job`` is a ``core.jobs.Job`` whose progress reports come back to the GUI thread as
the ``progress`` signal; ``task.cancel()`` makes the core raise ``Cancelled`` at its next step. A
call may hand partial results (e.g. study rows) to the window with ``job.publish(value)``.
A failure goes to the log file and a short dialog naming the task's description, unless the caller
passes its own ``failure`` handler: no error can vanish.
``ProgressPanel`` is the bar + text + Cancel button every tab shows for its task.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget
from superqt.utils import create_worker

from core.jobs import Cancelled, Job, Progress

PROGRESS_INTERVAL_S = 0.05  # more often than this only floods the event loop


class TaskJob(Job):
    """A ``Job`` that can also hand partial results to the window (they arrive as ``Task.partial``)."""

    def __init__(self, on_progress: Callable[[Progress], None], on_publish: Callable[[Any], None]):
        super().__init__(on_progress)
        self.publish = on_publish


class Task(QObject):
    progress = Signal(object)  # core.jobs.Progress
    note = Signal(str)
    partial = Signal(object)  # whatever the call publishes
    succeeded = Signal(object)  # the call's return value
    failed = Signal(object)  # the exception, never Cancelled
    cancelled = Signal()
    ended = Signal()  # always, last

    _running: set["Task"] = set()  # keeps running tasks alive whoever else forgets them

    def __init__(self, call: Callable[[Job], Any], description: str, parent: QWidget | None = None, advice: str = ""):
        super().__init__()  # no parent: a task outlives the widget that started it until its thread ends
        self.description = description  # "opening the dataset": used in error dialogs
        self.dialog_parent, self.advice = parent, advice
        self.handles_failure = False  # True when the caller reacts to ``failed`` itself
        self.job = TaskJob(self._report, self.publish)
        self._last_emit = 0.0
        self._last_stage = ""
        self._worker = create_worker(call, self.job, _start_thread=False, _ignore_errors=True)
        self._worker.returned.connect(self.succeeded)
        self._worker.errored.connect(self._on_error)
        self._worker.finished.connect(self._on_finished)
        self.is_finished = False

    def start(self) -> "Task":
        # Long-lived workers (the thumbnail loaders) hold pool threads; a task must never queue behind them.
        pool = QThreadPool.globalInstance()
        if pool.activeThreadCount() >= pool.maxThreadCount():
            pool.setMaxThreadCount(pool.activeThreadCount() + 1)
        Task._running.add(self)
        self._worker.start()
        return self

    def cancel(self) -> None:
        self.job.cancel()

    def publish(self, value: Any) -> None:
        """Called from the worker thread; arrives in the GUI thread as ``partial``."""
        self.partial.emit(value)

    def _report(self, progress: Progress) -> None:
        # Runs in the worker thread; the signal is queued to the GUI thread.
        if progress.stage == "note":
            self.note.emit(progress.message)
            return
        now = time.monotonic()
        if progress.stage != self._last_stage or progress.done >= progress.total or now - self._last_emit >= PROGRESS_INTERVAL_S:
            self._last_emit, self._last_stage = now, progress.stage
            self.progress.emit(progress)

    def _on_error(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.cancelled.emit()
            return
        self.failed.emit(exc)
        if not self.handles_failure:
            self._default_failure(exc)

    def _default_failure(self, exc: BaseException) -> None:
        """The log file and a short dialog naming what was being done."""
        import shiboken6

        from .errors import show_error

        parent = self.dialog_parent
        self.error_dialog = show_error(parent if parent is not None and shiboken6.isValid(parent) else None,
                                       self.description, exc, self.advice)

    def _on_finished(self) -> None:
        self.is_finished = True
        Task._running.discard(self)
        self.ended.emit()

    @classmethod
    def cancel_all(cls) -> None:
        for task in list(cls._running):
            task.cancel()

    @classmethod
    def stop_all(cls, timeout_ms: int = 10_000) -> bool:
        """Cancel every task and wait for the threads to end (when the window closes)."""
        cls.cancel_all()
        return QThreadPool.globalInstance().waitForDone(timeout_ms)


def run_task(parent: QWidget | None, call: Callable[[Job], Any], description: str, *,
             success: Callable[[Any], None] | None = None, failure: Callable[[BaseException], None] | None = None,
             partial: Callable[[Any], None] | None = None, note: Callable[[str], None] | None = None,
             cancelled: Callable[[], None] | None = None, panel: "ProgressPanel | None" = None,
             advice: str = "") -> Task:
    """Start ``call(job)`` in the background and wire it in one expression. Without ``failure`` an error is
    logged and shown in a dialog under ``parent`` ("Problem while <description>", then ``advice``)."""
    task = Task(call, description, parent, advice)
    if panel is not None:
        panel.watch(task)  # first: the panel's "Done." comes before whatever ``success`` shows
    for signal, slot in ((task.succeeded, success), (task.partial, partial), (task.note, note), (task.cancelled, cancelled),
                         (task.failed, failure)):
        if slot is not None:
            signal.connect(slot)
    task.handles_failure = failure is not None
    return task.start()


class ProgressPanel(QWidget):
    """Progress bar, "what is happening · time left" and a Cancel button for one task at a time."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.label = QLabel()
        self.label.setMinimumWidth(200)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop after the current step; everything finished so far is kept.")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 2)
        layout.addWidget(self.label, 3)
        layout.addWidget(self.cancel_button)
        self.task: Task | None = None
        self._set_idle("")

    def watch(self, task: Task) -> Task:
        self.task = task
        self.bar.setRange(0, 0)  # busy until the first report
        self.label.setText(task.description[:1].upper() + task.description[1:] + "…")
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        task.progress.connect(self._show)
        task.succeeded.connect(lambda _: self._set_idle("Done."))
        task.cancelled.connect(lambda: self._set_idle("Cancelled; what was finished is kept."))
        task.failed.connect(lambda _: self._set_idle("Stopped by an error."))
        return task

    def cancel(self) -> None:
        if self.task is not None and not self.task.is_finished:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.label.setText("Cancelling…")

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.is_finished

    def _show(self, progress: Progress) -> None:
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
            self.bar.setFormat("%v of %m")
        else:
            self.bar.setRange(0, 0)
        text = progress.stage
        if progress.message:
            text += f" · {progress.message}"
        if progress.seconds_left is not None:
            text += f" · {format_seconds(progress.seconds_left)} left"
        self.label.setText(text)
        self.label.setToolTip(text)

    def _set_idle(self, text: str) -> None:
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if text == "Done." else 0)
        self.bar.setFormat("")
        self.label.setText(text)
        self.cancel_button.setEnabled(False)


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
