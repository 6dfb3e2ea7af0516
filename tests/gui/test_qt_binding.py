"""The Qt binding must keep Python's reference counts: PySide6 6.12.0 on CPython 3.11 drops a reference to
None on every call that returns nothing (measured: −1000 per 1000 ``setText`` calls; 6.11.3: 0), so a long
session ends with "Fatal Python error: none_dealloc". Python 3.12+ hides it (None is immortal there)."""
from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_calls_that_return_nothing_keep_none_alive(qapp):
    label = QLabel("x")
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("y")
        qapp.processEvents()
    assert abs(sys.getrefcount(None) - before) < 100, (
        "this PySide6 loses a reference to None per call; install a version without the bug (e.g. 6.11.3)")
