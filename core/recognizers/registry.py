"""Recognizer backends by name, from ``core.catalogue``: a new backend is one file plus one catalogue entry."""
from __future__ import annotations

import importlib

from ..catalogue import offline_names, tracker
from .base import Recognizer


def recognizer_class(name: str) -> type[Recognizer]:
    module, cls = tracker(name).recognizer.split(":")
    return getattr(importlib.import_module(module), cls)


def make_recognizer(name: str, **options) -> Recognizer:
    """A ready backend; ``options`` are the backend's own settings (threshold, Azure endpoint, ...)."""
    return recognizer_class(name)(**options)


def is_local(name: str) -> bool:
    """Runs on this computer (its clean calibration costs nothing but time)."""
    return name in offline_names()
