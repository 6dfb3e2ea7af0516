"""Secrets never leave in words: every message, note and file an online tracker writes passes ``scrub``, and
every settings file a study or a check writes holds a tracker's options ``without_secrets``."""
from __future__ import annotations

HIDDEN = "[key hidden]"
# the option names a tracker's secrets travel under
SECRET_OPTIONS = ("key", "key_id", "secret")


def scrub(text: str, secrets) -> str:
    """``text`` with every non-empty secret replaced by ``[key hidden]``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text


def without_secrets(options: dict) -> dict:
    """A tracker's options less those its secrets travel under (``SECRET_OPTIONS``): what a settings file keeps."""
    return {k: v for k, v in options.items() if k not in SECRET_OPTIONS}
