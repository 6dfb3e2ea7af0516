"""``python main.py ARGS`` run in the test's own process: the interpreter's start-up and the imports (torch,
scipy, matplotlib: seconds each time) are the slow part of a subprocess, and what the command does is the same.
Tests that need a real process of their own (killing it, its children) start one instead."""
from __future__ import annotations

import contextlib
import io

from core.cli import main


def run_main(*args) -> tuple[int, str, str]:
    """Exit code, stdout, stderr of ``python main.py ARGS``."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main([str(a) for a in args])
    return code, stdout.getvalue(), stderr.getvalue()
