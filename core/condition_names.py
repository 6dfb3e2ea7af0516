"""Conditions in plain words, for the headline, the report and the "Check my own photos" answer.

``none`` → "No cloak"; ``fawkes:0.3:high`` → "Fawkes 0.3.1 high (this app)"; the bundled real cloaks
→ "Fawkes 0.3.1 high (original program)"; modifiers after the condition (``+resize:S``, ``+jpeg:Q``,
``@K``) are said too: ``+resize:1080+jpeg:75`` → "uploaded to a social network (1080 px, JPEG 75)".
"""
from __future__ import annotations

from pathlib import PurePath

from .sample import bundled_cloak_mode

VERSION_WORDS = {"0.3": "0.3.1", "0.3.1": "0.3.1", "1.0": "1.0", "1.0.2": "1.0"}


def plain_condition(spec: str) -> str:
    from .modifiers.leak import Leak
    from .modifiers.resize import Resize
    from .modifiers.spelling import split_modifiers

    try:
        base, steps = split_modifiers(spec)
    except ValueError:
        return spec  # a spelling we cannot read is shown as it is
    words = _plain_base(base)
    resize = next((s for s in steps if isinstance(s, Resize)), None)
    jpeg = next((s for s in steps if not isinstance(s, (Resize, Leak))), None)
    leak = next((s for s in steps if isinstance(s, Leak)), None)
    extra = []
    if resize and jpeg:
        extra.append(f"uploaded to a social network ({resize.words()}, {jpeg.words().replace('quality ', '')})")
    elif resize:
        extra.append(f"shrunk to {resize.words()}")
    elif jpeg:
        extra.append(f"re-saved as {jpeg.words()}")
    if leak:
        extra.append(f"{leak.words()} per person, the rest leaked clean")
    return ", ".join([words, *extra])


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
