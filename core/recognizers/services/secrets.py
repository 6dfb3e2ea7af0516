"""Secrets never leave in words: every message, note and file an online tracker writes passes ``scrub``."""
from __future__ import annotations

HIDDEN = "[key hidden]"
# the option names a tracker's secrets travel under: stripped from every settings file a study or a check writes
SECRET_OPTIONS = ("key", "key_id", "secret")


def scrub(text: str, secrets) -> str:
    """``text`` with every non-empty secret replaced by ``[key hidden]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text
