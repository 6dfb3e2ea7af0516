"""Helpers shared by the tests of the online trackers (Azure, Amazon Rekognition, Face++)."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from core.jobs import Job


class Notes(Job):
    """A real Job that keeps every note, as the command line's log would show them."""

    def __init__(self, on_progress=None):
        super().__init__(on_progress or (lambda progress: None))
        self.notes: list[str] = []

    def note(self, message: str) -> None:
        self.notes.append(message)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def photo(imm: Path, person: str, number: int) -> Path:
    return next(imm.glob(f"{person}-{number}[mf].jpg"))  # IMM names end in the person's sex
