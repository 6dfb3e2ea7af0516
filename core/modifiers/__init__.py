"""What-ifs applied to a condition's training photos between preparing and enrolling them: one file per
modifier, each a ``base.Modifier``. ``MODIFIERS`` is the one list of them: the condition parser
(``core.conditions``), the plain words, the command line's help and the window read it, so a new modifier is
its file plus one line here."""
from __future__ import annotations

from .base import Context, Modifier, Preview
from .jpeg import Jpeg
from .leak import Leak
from .resize import Resize

MODIFIERS: list[type[Modifier]] = [Resize, Jpeg, Leak]


def modifier_for(prefix: str) -> type[Modifier] | None:
    """The modifier spelt ``prefix`` (``+jpeg``, ``@``; a name in any case), or None."""
    return next((m for m in MODIFIERS if m.prefix.lower() == prefix.lower()), None)


def _listed(items: list[str], word: str = "or") -> str:
    return ", ".join(items[:-1]) + f" {word} " + items[-1] if len(items) > 1 else "".join(items)


def usage() -> str:
    """"+resize:S, +jpeg:Q, @K or @P%": how the modifiers are written."""
    return _listed([u for m in MODIFIERS for u in m.usage])


def help_text() -> str:
    """The modifiers for the command line's help, each with what it does."""
    return _listed([m.help_text for m in MODIFIERS])


__all__ = ["MODIFIERS", "Context", "Modifier", "Preview", "help_text", "modifier_for", "usage"]
