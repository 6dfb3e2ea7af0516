"""A worker process that ends when the process that started it ends, however that one died.

A pool's workers normally leave when their parent shuts the pool down (``atexit``); a parent killed with
SIGKILL, or stopped by a signal it does not handle, never does, and its workers would stay forever under
PID 1. ``watch_parent`` is a pool ``initializer``: a daemon thread in the worker polls ``os.getppid()``
(and multiprocessing's parent sentinel, which also tells on Windows, where the parent id never changes)
and leaves as soon as the parent is gone. Unlike Linux's PR_SET_PDEATHSIG, this does not fire when merely
the parent's *thread* that started the worker ends (a pool starts its workers from whichever thread
submits work). Ctrl+C in a terminal reaches every process of the group: the worker ignores it and
leaves the decision to its parent.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time

POLL_SECONDS = 0.5


def watch_parent(parent_pid: int, poll_seconds: float = POLL_SECONDS) -> None:
    """Run in the worker, first thing: end it within ``poll_seconds`` of the death of ``parent_pid``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()  # None outside a multiprocessing worker

    def watch() -> None:
        while os.getppid() == parent_pid and (parent is None or parent.is_alive()):
            time.sleep(poll_seconds)
        os._exit(1)  # nothing of the worker's is worth saving: its results went to the parent

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
