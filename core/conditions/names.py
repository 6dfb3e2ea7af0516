"""For code that holds only a condition's name (from a summary.json, a results.csv, a saved setting, possibly
of a study written by an older version): the one parser, then the spec's own words. A name that cannot be
read is shown as it is written, never refused: it was a condition once."""
from __future__ import annotations

from .spec import read_spec


def plain_condition(name: str) -> str:
    """"Fawkes 0.3.1 high (this app), uploaded to a social network (1080 px, JPEG 75)" (``ConditionSpec.words``)."""
    spec = read_spec(name)
    return spec.words if spec is not None else name


def short_condition(name: str) -> str:
    """``import:/long/path/high`` → ``import:high`` (``ConditionSpec.short``), for figures."""
    spec = read_spec(name)
    return spec.short if spec is not None else name


def condition_label(name: str) -> str:
    """The window's conditions list (``ConditionSpec.label``)."""
    spec = read_spec(name)
    return spec.label if spec is not None else name


def steps_words(name: str) -> str:
    """The modifiers in plain words, in order; "" when there are none or the name cannot be read."""
    spec = read_spec(name)
    return spec.steps_words if spec is not None else ""
