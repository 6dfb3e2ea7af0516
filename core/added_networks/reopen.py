"""A study made with an added ONNX network, opened again: is the network's file still the one it used?

The study never holds a copy of the file; its manifest (and, while it runs, its per-pair record) keeps the file's
path, SHA-256, size and preset as the tracker described them. A missing or changed file is told by the tracker's
name: the results stand, but running the study again would mix two networks.
"""
from __future__ import annotations

import json
from pathlib import Path

from .store import file_problem


def _described(folder: Path) -> dict[str, dict]:
    """Every tracker's ``describe()`` the study folder kept, by tracker name."""
    found: dict[str, dict] = {}
    state, manifest = folder / "study_state.json", folder / "manifest.json"
    if state.is_file():
        for pair in json.loads(state.read_text(encoding="utf-8")).get("pairs", []):
            found[pair.get("recognizer", "")] = pair.get("described") or {}
    if manifest.is_file():
        found.update(json.loads(manifest.read_text(encoding="utf-8")).get("recognizers", {}))
    return found


def study_network_problems(folder: Path | str) -> list[str]:
    """One line per added network of the study at ``folder`` whose file is missing or changed; empty when none."""
    problems = []
    for name, about in sorted(_described(Path(folder)).items()):
        if about.get("network_file") and about.get("sha256"):
            problem = file_problem(name, about["network_file"], about["sha256"])
            if problem:
                problems.append(problem.replace("since it was recorded", "since this study used it"))
    return problems
