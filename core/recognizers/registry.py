"""Recognizer backends by name, from ``core.catalogue``: a new backend is one file plus one catalogue entry. A name
may be a spelled variant (``dlib/nearest+median:3``): the catalogue looks up the base and the class comes back
configured with the matcher and cleaning (``core.recognizers.spec``, ``core.recognizers.variant``)."""
from __future__ import annotations

import sys

from ..catalogue import tracker
from .base import Recognizer
from .spec import parse_tracker
from .variant import variant_class


def recognizer_class(name: str) -> type[Recognizer]:
    """The catalogue's class for ``name``; a spelled variant's is its base's, told its matcher and cleaning."""
    entry = tracker(name)
    return variant_class(entry.base_class(), parse_tracker(name)) if entry.variant_of else entry.base_class()


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
    """Runs on this computer (its clean calibration costs nothing but time); spelled variants too."""
    return not tracker(name).online
