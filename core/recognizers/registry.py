"""Recognizer backends by name. A new backend is one file plus one line here."""
from __future__ import annotations

import importlib

from .base import Recognizer

BACKENDS = {
    "dlib": ("core.recognizers.dlib", "DlibRecognizer"),
    "mobileface": ("core.recognizers.embedding", "MobileFaceRecognizer"),
    "faceres": ("core.recognizers.embedding", "FaceResRecognizer"),
    "azure": ("core.recognizers.azure", "AzureRecognizer"),
}
LOCAL = ("dlib", "mobileface", "faceres")


def recognizer_class(name: str) -> type[Recognizer]:
    if name not in BACKENDS:
        raise ValueError(f"Unknown recognizer '{name}': choose one of {', '.join(BACKENDS)}.")
    module, cls = BACKENDS[name]
    return getattr(importlib.import_module(module), cls)


def make_recognizer(name: str, **options) -> Recognizer:
    """A ready backend; ``options`` are the backend's own settings (threshold, Azure endpoint, ...)."""
    return recognizer_class(name)(**options)
