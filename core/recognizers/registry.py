"""Recognizer backends by name, from ``core.catalogue``: a new backend is one file plus one catalogue entry."""
from __future__ import annotations

import sys

from ..catalogue import offline_names, tracker
from .base import Recognizer


def recognizer_class(name: str) -> type[Recognizer]:
    return tracker(name).recognizer_class()


def make_recognizer(name: str, **options) -> Recognizer:
    """A ready backend; ``options`` are the backend's own settings (threshold, Azure endpoint, ...)."""
    return recognizer_class(name)(**options)


def end_helper_processes() -> None:
    """End the worker processes a tracker started (dlib's describers) now, mid-photo, rather than at exit after the
    photos in hand; loads nothing that was not loaded."""
    dlib = sys.modules.get(f"{__package__}.dlib")
    if dlib is not None:
        dlib.shutdown_ahead_pool()


def is_local(name: str) -> bool:
    """Runs on this computer (its clean calibration costs nothing but time)."""
    return name in offline_names()
