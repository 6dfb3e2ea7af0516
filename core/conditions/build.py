"""A condition that can run, from its spec: the one place that turns a spelling into the kind that prepares
its photos. Kept out of ``core.conditions`` itself because our own cloaking (``core.cloaking.condition``)
loads the engine (torch); the names, words and folders of a condition are needed without it (the window)."""
from __future__ import annotations

from ..cloaking.condition import cloaking_condition
from .kinds import Clean, Imported
from .modified import ModifiedCondition
from .prepared import Condition
from .spec import ConditionSpec, parse_spec


def parse_condition(spec: str | ConditionSpec, **options) -> Condition:
    """A condition from its spelling (or spec); ``options`` go to our cloaking engine (and the seed to the
    modifiers that use it). A bad spelling fails here, before any work starts."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    base = spec.base_spec
    if base.kind == "none":
        condition = Clean()
    elif base.kind == "import":
        condition = Imported(base.folder)
    else:
        condition = cloaking_condition(base, **options)
    return ModifiedCondition(condition, spec, seed=options.get("seed")) if spec.modifiers else condition
