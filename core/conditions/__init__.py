"""Conditions: which training photos are enrolled, and what they are called.

A condition is spelt once (``none``, ``import:DIR``, ``fawkes:VERSION:MODE``, ``external:MODE``, then any
modifiers of ``core.modifiers``) and parsed once into a ``ConditionSpec`` (``spec``), which knows its kind,
source, modifiers, whether it depends on the seed, its plain words and where its photos are
written in a study folder. ``build.parse_condition`` makes the condition that prepares the photos (a
``PreparedCondition``, whose listing the study folder keeps: ``listing``); it is a module of its own because
our cloaking loads torch, which nothing here needs."""
from .kinds import Clean, Imported, match_cloaks
from .listing import Listing, read_listing
from .names import condition_label, plain_condition, short_condition, steps_words
from .prepared import Condition, PreparedCondition
from .spec import (CLOAKS_FOLDER, ENROLLED_FOLDER, LISTING, VERSION_WORDS, ConditionSpec, fawkes_words, parse_spec,
                   read_spec)

__all__ = ["CLOAKS_FOLDER", "ENROLLED_FOLDER", "LISTING", "VERSION_WORDS", "Clean", "Condition", "ConditionSpec",
           "Imported", "Listing", "PreparedCondition", "condition_label", "fawkes_words", "match_cloaks", "parse_spec",
           "plain_condition", "read_listing", "read_spec", "short_condition", "steps_words"]
