"""Shared test fixtures: the project's own small photo set, and ../shared when it is there."""
from __future__ import annotations

import os
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from core import credentials
from core.recognizers.services import keys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _shared(sub: str) -> Path:
    path = SHARED / sub
    if not path.exists():
        pytest.skip(f"needs the shared reference data at {path}, which is not present on this machine")
    return path


@pytest.fixture(autouse=True, scope="session")
def private_data_folder(tmp_path_factory):
    """The app's data folder (cloak cache, downloads) in a temporary place, never the tester's home."""
    os.environ["FAWKES_TRACKER_DATA"] = str(tmp_path_factory.mktemp("fawkes-tracker-data"))


@pytest.fixture
def fixture_imm() -> Path:
    """Eighteen real IMM photos (persons 01-03, photos 1-6) kept in the repository, with attribution."""
    return FIXTURES / "imm"


@pytest.fixture
def shared_dir() -> Path:
    return _shared("")


@pytest.fixture
def imm_dir() -> Path:
    return _shared("datasets/imm_face_db")


@pytest.fixture
def cloaks_dir() -> Path:
    return _shared("datasets/fawkes_v0.3.1_cloaks")


@pytest.fixture
def models_dir() -> Path:
    return _shared("models/human-models")


# -- Azure: the local stand-in for the service, and keyrings confined to memory ------------------------------


@pytest.fixture
def standin():
    from tests.azure_standin import FaceApiStandIn

    with FaceApiStandIn() as server:
        yield server


class MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.stored: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.stored.get((service, username))

    def set_password(self, service, username, password):
        self.stored[(service, username)] = password

    def delete_password(self, service, username):
        if self.stored.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not stored")


def _use_keyring(monkeypatch, backend):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    monkeypatch.delenv(credentials.ENV_KEY, raising=False)
    monkeypatch.setattr(keys, "_memory", {})  # secrets kept in memory where there is no keyring, every service's
    return previous


@pytest.fixture
def memory_keyring(monkeypatch):
    backend = MemoryKeyring()
    previous = _use_keyring(monkeypatch, backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch):
    previous = _use_keyring(monkeypatch, keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)
