"""Where the Azure Face key lives: the system keyring, else this session's memory — never a file of ours.

The endpoint is an ordinary setting that the caller stores. For the command line both can also come from
the environment (``AZURE_FACE_ENDPOINT``, ``AZURE_FACE_KEY``), which wins over anything saved.
"""
from __future__ import annotations

import os

import keyring
import keyring.backends.fail
import keyring.errors

SERVICE = "Fawkes Tracker Azure Face"
ACCOUNT = "subscription key"
ENV_ENDPOINT = "AZURE_FACE_ENDPOINT"
ENV_KEY = "AZURE_FACE_KEY"

_session_key: str | None = None  # used when no keyring exists; gone when the program ends


def keyring_available() -> tuple[bool, str]:
    """Whether a real, safe keyring backend exists, and in words which one or why not."""
    backend = keyring.get_keyring()
    if isinstance(backend, keyring.backends.fail.Keyring) or backend.priority <= 0:
        return False, (
            "no system keyring is available here (on Linux this needs a desktop session with a secret service "
            "such as GNOME Keyring or KWallet)"
        )
    if "plaintext" in type(backend).__name__.lower():
        # keyrings.alt makes an unencrypted file the default as soon as it is installed
        return False, "the only keyring found stores passwords unencrypted in a file, which we do not use"
    return True, f"the system keyring ({type(backend).__name__})"


def save_key(key: str) -> str:
    """Keep the key in the keyring if there is one, else in memory for this session; returns what happened."""
    global _session_key
    key = key.strip()
    if not key:
        return "No key given, so nothing was saved."
    available, where = keyring_available()
    if available:
        try:
            keyring.set_password(SERVICE, ACCOUNT, key)
            _session_key = None
            return f"Saved the Azure key in {where}."
        except keyring.errors.KeyringError as exc:
            where = f"the keyring refused to store it ({type(exc).__name__})"
    _session_key = key
    return f"Not saved: {where}. The key is kept in memory until the program ends."


def load_key() -> str | None:
    """The key from the environment, else this session's memory, else the keyring; None if there is none."""
    if os.environ.get(ENV_KEY, "").strip():
        return os.environ[ENV_KEY].strip()
    if _session_key:
        return _session_key
    if keyring_available()[0]:
        try:
            return keyring.get_password(SERVICE, ACCOUNT)
        except keyring.errors.KeyringError:
            return None
    return None


def forget_key() -> str:
    """Remove the key from the keyring and from memory."""
    global _session_key
    _session_key = None
    if keyring_available()[0]:
        try:
            keyring.delete_password(SERVICE, ACCOUNT)
        except keyring.errors.PasswordDeleteError:
            pass  # there was none
        except keyring.errors.KeyringError as exc:
            return f"Could not remove the Azure key from the keyring ({type(exc).__name__})."
    return "The Azure key is forgotten."


def azure_settings_from_env() -> tuple[str | None, str | None]:
    """(endpoint, key) from AZURE_FACE_ENDPOINT and AZURE_FACE_KEY; None for what is not set."""
    return (os.environ.get(ENV_ENDPOINT, "").strip() or None, os.environ.get(ENV_KEY, "").strip() or None)


def resolve_azure(endpoint: str | None = None, key: str | None = None) -> tuple[str | None, str | None]:
    """Fill in what the caller did not give: the endpoint from the environment, the key by ``load_key``."""
    return endpoint or azure_settings_from_env()[0], key or load_key()
