"""Writing a file atomically: into a temporary file beside it, flushed to the disk, then renamed over it.

A reader never sees half a file, and a write that is interrupted (an error, a stop, a crash) leaves the
old file as it was and no temporary file behind. Every file the application writes goes through
``write_atomic``; the others are its usual shapes.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

_UMASK = os.umask(0o022)  # read once at start-up (reading means setting), then put back
os.umask(_UMASK)


def write_atomic(path: Path | str, fill: Callable[[BinaryIO], object], suffix: str = ".tmp") -> None:
    """``fill`` writes the content into an open temporary file beside ``path`` (named ``.<name>.…<suffix>``),
    which is flushed to the disk and renamed over ``path``. When ``fill`` raises, the temporary file is
    deleted, ``path`` is left as it was, and the exception goes on."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes the file private; results are ordinary files
        with os.fdopen(fd, "wb") as fh:
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    write_atomic(path, lambda fh: fh.write(data))


def write_text_atomic(path: Path | str, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: Path | str, data) -> None:
    """``data`` as indented JSON (what JSON cannot hold written as its ``str``), ending with a newline."""
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
