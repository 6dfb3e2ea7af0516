"""The house keeps its shape: imports follow the data (dataset → split → condition → enrol → identify → metrics →
figures/report, then what runs it all), no import cycle, no function-level import that exists to dodge one, and no
module past 400 lines. Read from the source, so a new module must be given its room here (``ROOMS``)."""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400

# Each room may import its own and every earlier room, never a later one. Longest prefix wins.
ROOMS: list[tuple[str, tuple[str, ...]]] = [
    ("tools every room uses", ("core.atomic", "core.jobs", "core.images", "core.console", "core.torch_threads",
                               "core.parent_watch", "core.score_scale", "core.fmr", "core.pairing", "core.sample")),
    # the trackers' names and spellings: read by the cloaking engine ("made against") as much as by the study
    ("trackers named", ("core.catalogue", "core.recognizers.spec", "core.recognizers.matchers",
                        "core.recognizers.cleaning")),
    ("dataset", ("core.datasets", "core.faces", "core.models", "core.download", "core.gallery")),
    ("split", ("core.split",)),
    ("condition", ("core.conditions", "core.modifiers", "core.cloaking")),
    ("enrol and identify", ("core.recognizers", "core.credentials", "core.pair_trackers", "core.added_networks")),
    ("metrics", ("core.results", "core.metrics", "core.calibration", "core.detection", "core.study_folder")),
    ("figures and report", ("core.figures", "core.headline", "core.condition_photos", "core.report")),
    ("running a study", ("core", "core.study", "core.repeats", "core.online_plan", "core.self_check", "core.cli")),
    ("window", ("gui",)),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    return {module_name(p): p for folder in ("core", "gui") for p in (ROOT / folder).rglob("*.py")}


def room(module: str) -> int:
    best, rank = "", None
    for index, (_, prefixes) in enumerate(ROOMS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, rank = prefix, index
    assert rank is not None, f"{module} has no room in tests/test_house.py's ROOMS: give it one"
    return rank


def targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The project modules an import statement loads (its package's own ``__init__`` left aside)."""
    known = modules()
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            package = module.split(".") if known[module].name == "__init__.py" else module.split(".")[:-1]
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
    found = []
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.append(name)
    return found


def is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


@lru_cache(maxsize=1)
def imports() -> tuple[dict[str, set[str]], dict[str, list[tuple[int, str]]]]:
    """Each module's imports at load time, and those inside its functions (line, target); ``if TYPE_CHECKING``
    blocks are for the reader and never run."""
    at_load: dict[str, set[str]] = {}
    in_functions: dict[str, list[tuple[int, str]]] = {}
    for module, path in modules().items():
        at_load[module], in_functions[module] = set(), []

        def visit(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if is_type_checking(child):
                    continue
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in targets(module, child):
                        if in_function:
                            in_functions[module].append((child.lineno, target))
                        else:
                            at_load[module].add(target)
                else:
                    visit(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

        visit(ast.parse(path.read_text(encoding="utf-8")), False)
    return at_load, in_functions


def reachable(start: str) -> set[str]:
    at_load, _ = imports()
    seen, todo = set(), [start]
    while todo:
        for target in at_load.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_no_import_cycle():
    cycles = sorted(m for m in modules() if m in reachable(m))
    assert cycles == [], f"modules that import themselves through others: {cycles}"


def test_no_function_level_import_dodges_a_cycle():
    _, in_functions = imports()
    dodges = [f"{module}:{line} imports {target}, which imports {module}"
              for module, found in in_functions.items() for line, target in found if module in reachable(target)]
    assert dodges == []


def test_imports_follow_the_data():
    at_load, in_functions = imports()
    backwards = []
    for module in sorted(modules()):
        lines = [(0, t) for t in sorted(at_load[module])] + in_functions[module]
        for line, target in lines:
            if room(target) > room(module):
                where = f"{module}:{line}" if line else module
                backwards.append(f"{where} ({ROOMS[room(module)][0]}) imports {target} ({ROOMS[room(target)][0]})")
    assert backwards == []


def test_core_never_imports_the_window():
    at_load, in_functions = imports()
    to_gui = [m for m in modules() if m.startswith("core") and
              any(t.startswith("gui") for t in list(at_load[m]) + [t for _, t in in_functions[m]])]
    assert to_gui == []


def test_every_module_fits_in_one_read():
    long = {m: n for m, p in modules().items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_the_walker_sees_what_it_must():
    """A backwards import, a blind one and one inside a function, read as the walker reads ours."""
    tree = ast.parse("from .study import run\nif TYPE_CHECKING:\n    from .report import x\n"
                     "def f():\n    from . import study\n")
    assert targets("core.headline", tree.body[0]) == ["core.study"]
    assert is_type_checking(tree.body[1]) and targets("core.headline", tree.body[2].body[0]) == ["core.study"]
    assert room("core.headline") < room("core.study") and room("core.datasets") < room("core.split")
