"""Where model files come from.

* dlib's networks ship in the ``face_recognition_models`` package (found without importing it: it
  imports ``pkg_resources``, which new setuptools no longer has).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path


def dlib_models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The package face_recognition_models is not installed; run the install command in README.md.")
    return Path(spec.submodule_search_locations[0]) / "models"


def dlib_file(name: str) -> Path:
    path = dlib_models_dir() / name
    if not path.is_file():
        raise RuntimeError(f"The dlib model file {name} is missing from face_recognition_models.")
    return path
