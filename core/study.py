"""The study runner: conditions × recognizers on one split, resumable, with progress and cancel.

A study folder holds everything needed to look at a study again or to finish it:
``study.json`` (settings, never secrets), ``split.json``, ``results.csv`` (rewritten after every test
photo, so a killed run loses nothing finished), ``summary.json``, ``manifest.json`` and
``confidence_histogram.png``. Running the same settings into the same folder again skips the rows
already there.
"""
from __future__ import annotations

import io
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .conditions import PreparedCondition, parse_condition
from .datasets import Dataset, open_dataset
from .figures import confidence_histogram
from .images import NoFaceFound, UnusableImage, write_bytes_atomic
from .jobs import NO_JOB, Job
from .recognizers.registry import make_recognizer
from .results import (ERROR, NO_FACE, ResultRow, outcome_for, package_versions, read_rows, summarize,
                      write_json_atomic, write_rows_csv)
from .split import Split, make_split

SECRET_OPTIONS = ("key",)  # never written to any file


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

    def to_json(self) -> dict:
        data = asdict(self)
        data["dataset"], data["out"] = str(self.dataset), str(self.out)
        data["recognizer_options"] = {
            name: {k: v for k, v in opts.items() if k not in SECRET_OPTIONS} for name, opts in self.recognizer_options.items()
        }
        data["cloak_options"] = {k: str(v) if isinstance(v, Path) else v for k, v in self.cloak_options.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> "StudyConfig":
        data = dict(data)
        data["dataset"], data["out"] = Path(data["dataset"]), Path(data["out"])
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


class _Recorder:
    """Keeps the rows and rewrites results.csv after each one."""

    def __init__(self, out: Path, on_row: Callable[[ResultRow], None] | None):
        self.path = out / "results.csv"
        self.rows = read_rows(self.path)
        self.done = {r.key for r in self.rows}
        self.on_row = on_row

    def add(self, row: ResultRow) -> None:
        self.rows.append(row)
        self.done.add(row.key)
        write_rows_csv(self.path, self.rows)
        if self.on_row is not None:
            self.on_row(row)


def _split_for(config: StudyConfig, dataset: Dataset) -> Split:
    from .cloaking.settings import strangers_count  # plain settings, no torch

    path = config.out / "split.json"
    strangers = strangers_count(config.cloak_options.get("target_pool"))
    if path.exists():
        saved = Split.load(path)
        if saved.rule == config.split and (saved.seed is None or saved.seed == config.seed) and len(saved.strangers) == strangers:
            return saved
    split = make_split(dataset, config.split, config.seed, strangers)
    split.save(path)
    return split


def run_study(config: StudyConfig, job: Job = NO_JOB, on_row: Callable[[ResultRow], None] | None = None) -> dict:
    """Run every condition with every recognizer and write the study folder; returns the summary.

    Photos that cannot be used become rows with a reason (or notes, for training photos); the run
    goes on. An error that makes the rest pointless (a recognizer that cannot start, Azure refusing
    the key) stops it, with every finished row already on disk.
    """
    conditions = [parse_condition(spec, **config.cloak_options) for spec in config.conditions]  # bad spellings fail now
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "study.json", config.to_json())
    dataset = open_dataset(config.dataset, job)
    for problem in dataset.problems:
        job.note(f"Unusable photo {problem}")
    split = _split_for(config, dataset)
    job.note(f"Split '{split.rule}': {len(split.people)} people, {split.training_photos} training and "
             f"{split.test_photos} test photos (saved in split.json)")
    for person, why in split.left_out.items():
        job.note(f"Person {person} left out: {why}")
    if split.strangers:
        job.note(f"Held out of the study as Fawkes targets (strangers to the recognizer): {', '.join(split.strangers)}")
    recorder = _Recorder(out, on_row)
    set_aside: dict[str, dict[str, str]] = {}
    notes: dict[str, list[str]] = {}
    described: dict[str, dict] = {}
    started = time.time()

    for condition in conditions:
        prepared = condition.prepare(dataset, split, out, job)
        set_aside[prepared.name] = {**split.left_out, **prepared.set_aside}
        notes[prepared.name] = list(prepared.notes)
        for note in prepared.notes:
            job.note(f"{prepared.name}: {note}")
        for name in config.recognizers:
            described[name] = _run_pair(prepared, name, config, dataset, split, recorder, set_aside, notes, job)

    summary = summarize(recorder.rows, set_aside, notes)
    summary["finished"] = True
    write_json_atomic(out / "summary.json", summary)
    _write_manifest(out, config, dataset, split, described, started)
    _write_histogram(out, recorder.rows)
    return summary


def _run_pair(prepared: PreparedCondition, recognizer_name: str, config: StudyConfig, dataset: Dataset, split: Split,
              recorder: _Recorder, set_aside: dict, notes: dict, job: Job) -> dict:
    """Enrol one condition's training photos in one recognizer and identify every test photo."""
    people = [p for p in split.people if p in prepared.training]
    tests = [(p, f) for p in people for f in split.test[p] if (prepared.name, recognizer_name, f) not in recorder.done]
    recognizer = make_recognizer(recognizer_name, job=job, **config.recognizer_options.get(recognizer_name, {}))
    if not tests:
        recognizer.close()
        return recognizer.describe()
    stage = f"{prepared.name} · {recognizer_name}"
    with recognizer:
        photos = [(p, photo) for p in people for photo in prepared.training[p]]
        plan = recognizer.plan(len(people), len(photos), len(tests))
        if plan is not None:
            job.note(f"{stage}: {plan}")
        enrolled: set[str] = set()
        recognizer.expect([photo for _, photo in photos])
        for i, (person, photo) in enumerate(photos):
            job.step(f"Enrolling training photos ({stage})", i, len(photos), photo.name)
            try:
                recognizer.enrol(person, photo)
                enrolled.add(person)
            except UnusableImage as exc:
                notes[prepared.name].append(f"training photo {exc}")
                job.note(f"Skipped training photo {exc}")
        job.step(f"Enrolling training photos ({stage})", len(photos), len(photos))
        for person in people:
            if person not in enrolled:
                set_aside[prepared.name][person] = "none of the training photos could be enrolled"
        job.step(f"Training ({stage})", 0, 1)
        recognizer.train(job)
        recognizer.expect([dataset.root / relative for person, relative in tests if person in enrolled])
        for i, (person, relative) in enumerate(tests):
            job.step(f"Identifying test photos ({stage})", i, len(tests), relative)
            if person not in enrolled:
                continue
            recorder.add(_identify(recognizer, prepared, person, relative, dataset))
        job.step(f"Identifying test photos ({stage})", len(tests), len(tests))
        return recognizer.describe()  # after the run: it names the remote group and any scaled uploads


def _identify(recognizer, prepared: PreparedCondition, person: str, relative: str, dataset: Dataset) -> ResultRow:
    judged = prepared.judged_as(recognizer.name)
    try:
        candidates = recognizer.identify(dataset.root / relative)
    except UnusableImage as exc:
        outcome = NO_FACE if isinstance(exc, NoFaceFound) else ERROR
        return ResultRow(prepared.name, recognizer.name, judged, person, relative, "", None, None, outcome, exc.reason)
    best = candidates[0] if candidates else None
    predicted = best.person if best else ""
    confidence = best.confidence if best else None
    outcome = outcome_for(person, predicted, confidence, recognizer.threshold)
    return ResultRow(prepared.name, recognizer.name, judged, person, relative, predicted, confidence,
                     best.score if best else None, outcome)


def _write_manifest(out: Path, config: StudyConfig, dataset: Dataset, split: Split, described: dict, started: float) -> None:
    write_json_atomic(out / "manifest.json", {
        "dataset": {"folder": str(dataset.root), "layout": dataset.layout, "photos": len(dataset.photos),
                    "fingerprint_sha256": dataset.fingerprint(),
                    "unusable_photos": [str(p) for p in dataset.problems]},
        "split": {"rule": split.rule, "seed": split.seed, "people": len(split.people), "left_out": split.left_out,
                  "strangers": split.strangers},
        "conditions": config.conditions,
        "recognizers": described,
        "cloak_options": config.to_json()["cloak_options"],
        "cloaking": _cloaking_record(config),
        "packages": package_versions(),
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.time() - started, 1),
    })


def _cloaking_record(config: StudyConfig) -> dict:
    """Which experiment our cloaking conditions ran: the engine variant and the target pool, in words."""
    from .cloaking.settings import AS_WRITTEN, STRICT, describe_target_pool

    options = config.cloak_options
    return {"variant": STRICT if options.get("strict_budget") else AS_WRITTEN,
            "target_pool": describe_target_pool(options.get("target_pool"))}


def _write_histogram(out: Path, rows: list[ResultRow]) -> None:
    buf = io.BytesIO()
    confidence_histogram(rows).savefig(buf, format="png")
    write_bytes_atomic(out / "confidence_histogram.png", buf.getvalue())
