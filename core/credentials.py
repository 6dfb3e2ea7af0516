"""Where the Azure Face key lives: the system keyring, else this session's memory — never a file of ours.

The work is ``core.recognizers.services.keys``', as for every online tracker; this module keeps Azure's names:
the keyring entry "Fawkes Tracker Azure Face" / "subscription key" that existing users' keys are saved under.
The endpoint is an ordinary setting that the caller stores. For the command line both can also come from
the environment (``AZURE_FACE_ENDPOINT``, ``AZURE_FACE_KEY``), which wins over anything saved.
"""
from __future__ import annotations

import os

from .recognizers.services import keys
from .recognizers.services.keys import keyring_available

__all__ = ["SERVICE", "ACCOUNT", "ENV_ENDPOINT", "ENV_KEY", "keyring_available", "save_key", "load_key",
           "forget_key", "azure_settings_from_env", "resolve_azure"]

NAME = "Azure Face"  # the service's name in services.keys
SERVICE = keys.keyring_service(NAME)  # "Fawkes Tracker Azure Face"
ACCOUNT = "subscription key"
LABEL = "Azure key"  # what the messages call it
ENV_ENDPOINT = "AZURE_FACE_ENDPOINT"
ENV_KEY = "AZURE_FACE_KEY"


def save_key(key: str) -> str:
    """Keep the key in the keyring if there is one, else in memory for this session; returns what happened."""
    return keys.save_secret(NAME, ACCOUNT, key, label=LABEL)


def load_key() -> str | None:
    """The key from the environment, else this session's memory, else the keyring; None if there is none."""
    return keys.load_secret(NAME, ACCOUNT, ENV_KEY)


def forget_key() -> str:
    """Remove the key from the keyring and from memory."""
    return keys.forget_secret(NAME, ACCOUNT, label=LABEL)


def azure_settings_from_env() -> tuple[str | None, str | None]:
    """(endpoint, key) from AZURE_FACE_ENDPOINT and AZURE_FACE_KEY; None for what is not set."""
    return (os.environ.get(ENV_ENDPOINT, "").strip() or None, os.environ.get(ENV_KEY, "").strip() or None)


def resolve_azure(endpoint: str | None = None, key: str | None = None) -> tuple[str | None, str | None]:
    """Fill in what the caller did not give: the endpoint from the environment, the key by ``load_key``."""
    return endpoint or azure_settings_from_env()[0], key or load_key()

