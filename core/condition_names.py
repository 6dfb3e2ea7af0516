"""Conditions in plain words, for the headline, the report and the "Check my own photos" answer.

``none`` → "No cloak"; ``fawkes:0.3:high`` → "Fawkes 0.3.1 high (this app)"; the bundled real cloaks
→ "Fawkes 0.3.1 high (original program)"; modifiers after the condition (``+resize:S``, ``+jpeg:Q``,
``@K``) are said too: ``+resize:1080+jpeg:75`` → "uploaded to a social network (1080 px, JPEG 75)".
"""
from __future__ import annotations

import re
from pathlib import PurePath

from .sample import bundled_cloak_mode

MODIFIER = re.compile(r"(\+(?:jpeg|resize):\d+|@\d+%?)$")
VERSION_WORDS = {"0.3": "0.3.1", "0.3.1": "0.3.1", "1.0": "1.0", "1.0.2": "1.0"}


def split_modifiers(spec: str) -> tuple[str, list[str]]:
    """``"fawkes:0.3:high+resize:1080+jpeg:75"`` → ("fawkes:0.3:high", ["+resize:1080", "+jpeg:75"])."""
    modifiers = []
    while (match := MODIFIER.search(spec)) and match.start() > 0:
        modifiers.insert(0, match.group(1))
        spec = spec[: match.start()]
    return spec, modifiers


def plain_condition(spec: str) -> str:
    base, modifiers = split_modifiers(spec)
    words = _plain_base(base)
    extra = _plain_modifiers(modifiers)
    return f"{words}, {extra}" if extra else words


def _plain_base(spec: str) -> str:
    if spec == "none":
        return "No cloak"
    kind, _, rest = spec.partition(":")
    if kind == "import":
        mode = bundled_cloak_mode(rest)
        return f"Fawkes 0.3.1 {mode} (original program)" if mode else f"Imported cloaks ({PurePath(rest).name or rest})"
    if kind == "fawkes":
        version, _, mode = rest.partition(":")
        return f"Fawkes {VERSION_WORDS.get(version, version)} {mode} (this app)"
    if kind == "external":
        return f"Fawkes {rest} (original program, run here)"
    return spec


def _plain_modifiers(modifiers: list[str]) -> str:
    values = {}
    leaked = ""
    for modifier in modifiers:
        if modifier.startswith("@"):
            leaked = f"only {modifier[1:]} of each person's photos cloaked (the rest leaked)"
        else:
            name, _, value = modifier[1:].partition(":")
            values[name] = value
    parts = []
    if "resize" in values and "jpeg" in values:
        parts.append(f"uploaded to a social network ({values['resize']} px, JPEG {values['jpeg']})")
    elif "resize" in values:
        parts.append(f"shrunk to {values['resize']} px")
    elif "jpeg" in values:
        parts.append(f"saved as JPEG quality {values['jpeg']}")
    if leaked:
        parts.append(leaked)
    return ", ".join(parts)
