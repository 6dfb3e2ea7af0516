"""A study folder: its settings (``study.json``), reading it back (``load_study``), and what it remembers between
runs, so that resuming never mixes two studies and never loses what a finished part said.

Before a study writes anything into a folder that already holds one, its settings (``study.json``) and
its dataset's fingerprint are compared with the new run's; any difference stops the run with one line
naming it (resume only the same study; start afresh with ``restart``). ``study_state.json`` keeps, for
each finished (condition, recognizer) pair, the notes and set-asides it added and the recognizer's
``describe()``, so the summary and manifest after any interruption equal those of an uninterrupted run.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .atomic import write_json_atomic
from .fmr import DEFAULT_FMR
from .recognizers.services.secrets import without_secrets
from .results import ResultRow, read_rows
from .split import Split

STATE_NAME = "study_state.json"
WRITTEN = ("study.json", "split.json", "results.csv", "scores.csv", "summary.json", "manifest.json",
           "confidence_histogram.png", "reidentification_curve.png", STATE_NAME)
WRITTEN_FOLDERS = ("cloaks", "enrolled", "repeats")  # our cloaks, photos as enrolled (modifiers), repeated runs
COMPARED = ("split", "seed", "recognizers", "conditions", "recognizer_options", "cloak_options", "distractors")
LABELS = {"split": "split rule", "recognizer_options": "", "cloak_options": "cloaking"}


@dataclass
class StudyConfig:
    dataset: Path
    out: Path
    split: str = "imm"
    seed: int = 0
    recognizers: list[str] = field(default_factory=lambda: ["dlib"])
    conditions: list[str] = field(default_factory=lambda: ["none"])
    recognizer_options: dict[str, dict] = field(default_factory=dict)
    cloak_options: dict = field(default_factory=dict)
    distractors: Path | None = None  # a dataset folder of other people, enrolled clean and never tested
    fmr: float = DEFAULT_FMR  # the false-match rate that sets each recognizer's operating point (core.metrics)
    repeat: int = 1  # runs of the seed-dependent conditions, seeds seed … seed+repeat−1 (core.repeats)

    def to_json(self) -> dict:
        data = asdict(self)
        data["dataset"], data["out"] = str(self.dataset), str(self.out)
        data["distractors"] = str(self.distractors) if self.distractors else None
        data["recognizer_options"] = {name: without_secrets(opts) for name, opts in self.recognizer_options.items()}
        data["cloak_options"] = {k: str(v) if isinstance(v, Path) else v for k, v in self.cloak_options.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "StudyConfig":
        data = dict(data)
        data["dataset"], data["out"] = Path(data["dataset"]), Path(data["out"])
        data["distractors"] = Path(data["distractors"]) if data.get("distractors") else None
        return cls(**data)


@dataclass
class Study:
    """A study folder as read back from disk."""

    config: StudyConfig
    rows: list[ResultRow]
    summary: dict | None
    split: Split | None

    @property
    def finished(self) -> bool:
        return self.summary is not None and bool(self.summary.get("finished"))


def load_study(out: Path | str) -> Study:
    out = Path(out)
    config_file = out / "study.json"
    if not config_file.exists():
        raise FileNotFoundError(f"{out} is not a study folder (it has no study.json).")
    config = StudyConfig.from_json(json.loads(config_file.read_text(encoding="utf-8")))
    summary_file, split_file = out / "summary.json", out / "split.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else None
    return Study(config, read_rows(out / "results.csv"), summary, Split.load(split_file) if split_file.exists() else None)


class DifferentStudy(ValueError):
    """The folder holds another study; ``differences`` lists what differs, one short phrase each."""

    def __init__(self, folder: Path, differences: list[str]):
        self.folder, self.differences = Path(folder), differences
        super().__init__(f"The folder {folder} holds a different study ({'; '.join(differences)}): choose another "
                         "folder with --out, or start this one afresh with --restart (its results are deleted).")


def _flat(value, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    if isinstance(value, dict):
        out: dict[tuple[str, ...], object] = {}
        for key in sorted(value):
            out.update(_flat(value[key], (*path, str(key))))
        return out  # an empty dict is the same as none: ``{"dlib": {}}`` and no options for dlib do not differ
    return {path: value}


def _shown(value) -> str:
    if value is None or value == {}:
        return "not set"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return str(value)


def differences(saved: dict, now: dict, saved_fingerprint: str | None, now_fingerprint: str) -> list[str]:
    """What differs between two studies' settings, e.g. ``seed 0 there, 1 now``; empty when they are the same."""
    found = []
    if saved_fingerprint is not None and saved_fingerprint != now_fingerprint:
        if str(saved.get("dataset")) != str(now.get("dataset")):
            found.append(f"dataset {saved.get('dataset')} there, {now.get('dataset')} now")
        else:
            found.append(f"the photos in {now.get('dataset')} have changed since")
    now = json.loads(json.dumps(now, default=str))  # as it would be saved
    for key in COMPARED:
        before, after = _flat(saved.get(key)), _flat(now.get(key))
        for path in sorted(set(before) | set(after)):
            if before.get(path) != after.get(path):
                label = " ".join(p for p in (LABELS.get(key, key), *path) if p)
                found.append(f"{label} {_shown(before.get(path))} there, {_shown(after.get(path))} now")
    return found


class StudyState:
    """The per-pair record of one study folder."""

    def __init__(self, folder: Path, fingerprint: str, pairs: dict[tuple[str, str], dict] | None = None):
        self.path = Path(folder) / STATE_NAME
        self.fingerprint = fingerprint
        self.pairs = pairs or {}

    def finished(self, condition: str, recognizer: str) -> dict | None:
        """What a finished pair added (``notes``, ``set_aside``, ``described``, ``gallery``), or None."""
        return self.pairs.get((condition, recognizer))

    def record(self, condition: str, recognizer: str, notes: list[str], set_aside: dict[str, str], described: dict,
               gallery: int | None = None) -> None:
        self.pairs[(condition, recognizer)] = {"notes": list(notes), "set_aside": dict(set_aside), "described": described,
                                               "gallery": gallery}
        self.save()

    def save(self) -> None:
        write_json_atomic(self.path, {
            "dataset_fingerprint": self.fingerprint,
            "pairs": [{"condition": c, "recognizer": r, **value} for (c, r), value in self.pairs.items()],
        })


def open_study_folder(folder: Path, config_json: dict, fingerprint: str, restart: bool = False) -> StudyState:
    """Check that ``folder`` is empty or holds this same study (raises ``DifferentStudy`` otherwise); with
    ``restart``, first delete everything an earlier study wrote there."""
    folder = Path(folder)
    if restart:
        clear_study_folder(folder)
    saved_file, state_file = folder / "study.json", folder / STATE_NAME
    state = json.loads(state_file.read_text(encoding="utf-8")) if state_file.exists() else {}
    if saved_file.exists():
        saved = json.loads(saved_file.read_text(encoding="utf-8"))
        found = differences(saved, config_json, state.get("dataset_fingerprint"), fingerprint)
        if found:
            raise DifferentStudy(folder, found)
    elif (folder / "results.csv").exists():
        raise DifferentStudy(folder, ["it has results but no study.json to say how they were made"])
    pairs = {(p["condition"], p["recognizer"]): {k: p.get(k) for k in ("notes", "set_aside", "described", "gallery")}
             for p in state.get("pairs", [])}
    result = StudyState(folder, fingerprint, pairs)
    folder.mkdir(parents=True, exist_ok=True)
    result.save()
    return result


def clear_study_folder(folder: Path) -> None:
    """Delete what a study wrote in ``folder`` (and nothing else the user put there)."""
    folder = Path(folder)
    for name in WRITTEN:
        (folder / name).unlink(missing_ok=True)
    for name in WRITTEN_FOLDERS:
        shutil.rmtree(folder / name, ignore_errors=True)
