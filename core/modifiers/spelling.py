"""Reading a condition's modifiers from its spelling: ``BASE`` then any of ``+jpeg:Q``, ``+resize:S``,
``@K`` / ``@P%``, applied left to right (``fawkes:0.3:high+resize:1080+jpeg:75``, ``import:DIR@3``).

Only strings here, so ``core.conditions`` can use it without importing what the modifiers do.
Every bad spelling fails with a one-line reason before any work starts."""
from __future__ import annotations

import re
from pathlib import Path

from .jpeg import Jpeg
from .leak import Leak
from .resize import Resize

NAMED = {"jpeg": Jpeg, "resize": Resize}
# one modifier at the very end of the spelling; its value never holds a path separator
TRAILING = re.compile(r"(?:\+(?P<name>[A-Za-z]+)(?::(?P<value>[^+@:/\\]*))?|@(?P<leak>[^+@:/\\]*))$")
USE = "use +jpeg:Q, +resize:S, @K or @P%"


def split_modifiers(spec: str) -> tuple[str, list]:
    """``"import:DIR+jpeg:75@3"`` → ``("import:DIR", [Jpeg(75), Leak(3)])``; ``(spec, [])`` without modifiers.

    An ``import:`` folder whose own name holds ``+`` or ``@`` is kept whole when it exists."""
    if spec.startswith("import:") and Path(spec.split(":", 1)[1]).expanduser().is_dir():
        return spec, []
    base, steps = spec, []
    while (match := TRAILING.search(base)) and match.start() > 0:
        token = match.group(0)
        if match["leak"] is not None:
            steps.append(Leak.parse(match["leak"], spec))
        else:
            kind = NAMED.get(match["name"].lower())
            if kind is None:
                raise ValueError(f"Unknown modifier '{token}' in the condition '{spec}': {USE}.{_folder_hint(base)}")
            if match["value"] is None:
                raise ValueError(f"The modifier '{token}' in the condition '{spec}' needs a value, e.g. {token}:75.")
            steps.append(kind.parse(match["value"], spec))
        base = base[:match.start()]
    steps.reverse()
    leaks = [s for s in steps if isinstance(s, Leak)]
    if len(leaks) > 1:
        raise ValueError(f"The condition '{spec}' has {len(leaks)} @ modifiers; one says how many photos stay cloaked.")
    if leaks and base == "none":
        raise ValueError(f"The condition '{spec}' cannot leave photos uncloaked: 'none' has no cloaks; "
                         "put @K after a cloaking condition, e.g. import:DIR@3.")
    if base != "none" and not base.startswith(("import:", "fawkes:", "external:")) and ("+" in base or "@" in base):
        raise ValueError(f"Cannot read the modifiers of the condition '{spec}': {USE}, after the condition.")
    return base, steps


def spelling(steps: list) -> str:
    return "".join(step.spelling for step in steps)


def _folder_hint(base: str) -> str:
    return " (If it is part of a folder's name, that folder does not exist.)" if base.startswith("import:") else ""


def describe_modifiers(spec: str) -> str:
    """Plain words for a condition's modifiers, "" when it has none or they cannot be read."""
    try:
        _, steps = split_modifiers(spec)
    except ValueError:
        return ""
    words = []
    for step in steps:
        if isinstance(step, Leak):
            words.append(f"only {step.words()}, the rest leaked clean")
        elif isinstance(step, Resize):
            words.append(f"shrunk to {step.words()}")
        else:
            words.append(f"re-saved as {step.words()}")
    return ", then ".join(words)
