"""Where an online service's secrets live: the environment (for the command line), else the system keyring under
the service's own name, else this session's memory — never a file of ours."""
from __future__ import annotations

import os

import keyring
import keyring.backends.fail
import keyring.errors

_memory: dict[tuple[str, str], str] = {}  # used where there is no keyring; gone when the program ends


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


def keyring_service(service: str) -> str:
    return f"Fawkes Tracker {service}"


def load_secret(service: str, field: str, env: str | None = None) -> str | None:
    """``field`` of ``service`` ("Face++", "api secret"): the environment variable ``env`` first, then memory,
    then the keyring; None if there is none."""
    if env and os.environ.get(env, "").strip():
        return os.environ[env].strip()
    if (service, field) in _memory:
        return _memory[(service, field)]
    if keyring_available()[0]:
        try:
            return keyring.get_password(keyring_service(service), field)
        except keyring.errors.KeyringError:
            return None
    return None


def save_secret(service: str, field: str, value: str, *, label: str = "") -> str:
    """Keep ``value`` in the keyring if there is one, else in memory; returns what happened, in words, where the
    secret is called ``label`` ("Azure key"; by default the service and the field)."""
    label = label or f"{service} {field}"
    value = value.strip()
    if not value:
        return f"No {label} given, so nothing was saved."
    available, where = keyring_available()
    if available:
        try:
            keyring.set_password(keyring_service(service), field, value)
            _memory.pop((service, field), None)
            return f"Saved the {label} in {where}."
        except keyring.errors.KeyringError as exc:
            where = f"the keyring refused to store it ({type(exc).__name__})"
    _memory[(service, field)] = value
    return f"Not saved: {where}. The {label} is kept in memory until the program ends."


def forget_secret(service: str, field: str, *, label: str = "") -> str:
    label = label or f"{service} {field}"
    _memory.pop((service, field), None)
    if keyring_available()[0]:
        try:
            keyring.delete_password(keyring_service(service), field)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            return f"Could not remove the {label} from the keyring ({type(exc).__name__})."
    return f"The {label} is forgotten."
