"""How a tracker names the person of a face vector: one file per matcher, each a ``base.Matcher``. ``MATCHERS`` is
the one list of them: the tracker spec (``core.recognizers.spec``), the plain words, the command line's help and
the window read it, so a new matcher is its file plus one line here."""
from __future__ import annotations

from .base import Matcher, Measure
from .linear import Linear
from .mean import Mean
from .nearest import Nearest

MATCHERS: list[type[Matcher]] = [Mean, Nearest, Linear]


def matcher_for(name: str) -> type[Matcher] | None:
    """The matcher spelt ``name`` (any case), or None."""
    return next((m for m in MATCHERS if m.name == name.lower()), None)


def matcher_names() -> list[str]:
    return [m.name for m in MATCHERS]


__all__ = ["MATCHERS", "Matcher", "Measure", "matcher_for", "matcher_names"]
