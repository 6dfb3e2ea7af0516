"""The study runner: conditions × recognizers on one split, resumable, with progress and cancel.

A study folder holds everything needed to look at a study again or to finish it:
``study.json`` (settings, never secrets), ``split.json``, ``results.csv`` (rewritten after every test
photo, so a killed run loses nothing finished), ``scores.csv`` (every candidate's score, so the
operating point can be moved later, core.metrics), ``summary.json``, ``manifest.json``,
``confidence_histogram.png`` and ``reidentification_curve.png``. Running the same settings into the
same folder again skips the rows already there; a folder that holds a different study is refused
(``core.study_folder``).
"""
from __future__ import annotations

import io
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from .atomic import write_bytes_atomic, write_json_atomic
from .calibration import ask_for_every_candidate, ensure_clean_scores
from .catalogue import tracker
from .conditions import PreparedCondition
from .conditions.build import parse_condition
from .datasets import Dataset, open_dataset
from .figures import confidence_histogram, reidentification_curve, threshold_marks
from .gallery import Distractors, enrol_each, open_distractors
from .fmr import DEFAULT_FMR
from .images import NoFaceFound, UnusableImage
from .jobs import NO_JOB, Job
from .metrics import ScoreLog, evaluate, read_scores, scales_of
from .pair_trackers import PairTrackers
from .recognizers.registry import recognizer_class
from .recognizers.services.secrets import without_secrets
from .results import ERROR, NO_FACE, ResultRow, outcome_for, package_versions, read_rows, write_rows_csv
from .score_scale import ScoreScale
from .split import Split, make_split
from .study_folder import open_study_folder



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


def own_thresholds(config: StudyConfig) -> dict[str, float]:
    """Each recognizer's own confidence line, used where it is not calibrated: the one the user set, else the
    recognizer's own default (Azure 0.5, Rekognition's similarity 80)."""
    options = config.recognizer_options or {}
    return {name: float(options.get(name, {}).get("threshold", recognizer_class(name).threshold))
            for name in config.recognizers}


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
        self.scores = ScoreLog(out)  # every candidate's score, for the operating points

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


def run_study(config: StudyConfig, job: Job = NO_JOB, on_row: Callable[[ResultRow], None] | None = None,
              restart: bool = False) -> dict:
    """Run every condition with every recognizer and write the study folder; returns the summary.
    A folder holding another study is refused (``DifferentStudy``) unless ``restart`` empties it first.

    Photos that cannot be used become rows with a reason (or notes, for training photos); the run
    goes on. An error that makes the rest pointless (a recognizer that cannot start, Azure refusing
    the key) stops it, with every finished row already on disk.
    """
    options = {"seed": config.seed, **config.cloak_options}  # the seed also picks the photos @K keeps cloaked
    conditions = [parse_condition(spec, **options) for spec in config.conditions]  # bad spellings fail now
    out = Path(config.out)
    dataset = open_dataset(config.dataset, job)
    fingerprint = dataset.fingerprint()
    state = open_study_folder(out, config.to_json(), fingerprint, restart)
    write_json_atomic(out / "study.json", config.to_json())
    for problem in dataset.problems:
        job.note(f"Unusable photo {problem}")
    distractors = open_distractors(config.distractors, dataset, job) if config.distractors else None  # name clashes fail now
    if distractors is not None:
        job.note(f"Gallery: {len(distractors.people)} other people from {distractors.dataset.root} "
                 f"({distractors.photos} photos), enrolled clean and never tested")
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
    asked: dict[tuple[str, str], str] = {}  # every pair asked for appears in the summary, judged or not
    gallery: dict[tuple[str, str], int] = {}
    started = time.time()

    crowd = distractors.people if distractors is not None else {}
    with PairTrackers(config.recognizer_options, crowd, job) as trackers:  # closes kept trackers however it ends
        for condition in conditions:
            prepared = condition.prepare(dataset, split, out, job)
            set_aside[prepared.name] = {**split.left_out, **prepared.set_aside}
            notes[prepared.name] = list(prepared.notes)
            for note in prepared.notes:
                job.note(f"{prepared.name}: {note}")
            for name in config.recognizers:
                asked[(prepared.name, name)] = prepared.judged_as(name)
                saved = state.finished(prepared.name, name)
                if saved is not None and not _tests_left(prepared, name, split, recorder):
                    # finished in an earlier run (and its rows are all there): what it said is kept, nothing is redone
                    notes[prepared.name].extend(saved["notes"])
                    set_aside[prepared.name].update(saved["set_aside"])
                    described[name] = saved["described"]
                    if saved.get("gallery") is not None:
                        gallery[(prepared.name, name)] = saved["gallery"]
                    continue
                noted, aside = len(notes[prepared.name]), dict(set_aside[prepared.name])
                described[name] = _run_pair(prepared, name, config, dataset, split, recorder, set_aside, notes, job,
                                            distractors, gallery, trackers)
                state.record(prepared.name, name, notes[prepared.name][noted:],
                             {p: why for p, why in set_aside[prepared.name].items() if aside.get(p) != why},
                             described[name], gallery.get((prepared.name, name)))

    summary = _judge(config, dataset, split, recorder, set_aside, notes, described, job, distractors, asked)
    for entry in summary["conditions"]:  # how many people the test photos were matched against
        entry["gallery"] = gallery.get((entry["name"], entry["recognizer"]))
    summary["finished"] = True
    write_json_atomic(out / "summary.json", summary)
    _write_manifest(out, config, dataset, split, described, started, fingerprint, conditions, distractors)
    _write_histogram(out, recorder.rows, summary)
    return summary


def _tests_left(prepared: PreparedCondition, recognizer_name: str, split: Split, recorder: _Recorder) -> bool:
    return any((prepared.name, recognizer_name, f) not in recorder.done
               for p in split.people if p in prepared.training for f in split.test[p])


def _run_pair(prepared: PreparedCondition, recognizer_name: str, config: StudyConfig, dataset: Dataset, split: Split,
              recorder: _Recorder, set_aside: dict, notes: dict, job: Job, distractors: Distractors | None = None,
              gallery: dict | None = None, trackers: PairTrackers | None = None) -> dict:
    """Enrol one condition's training photos (and any distractors) in one recognizer and identify every test photo.
    ``trackers`` gives the recognizer: the pair's own, or one kept for the whole study (``core.pair_trackers``)."""
    people = [p for p in split.people if p in prepared.training]
    tests = [(p, f) for p in people for f in split.test[p] if (prepared.name, recognizer_name, f) not in recorder.done]
    others = distractors.people if distractors is not None else {}
    trackers = trackers or PairTrackers(config.recognizer_options, others, job, keep=False)
    recognizer = trackers.get(recognizer_name)
    ask_for_every_candidate(recognizer, len(people) + len(others))
    gallery = {} if gallery is None else gallery
    gallery[(prepared.name, recognizer_name)] = len(people) + len(others)  # as planned; counted below when run
    if not people:  # with people but no test left (killed before the pair was recorded), enrol again for its notes
        with trackers.using(recognizer):
            return recognizer.describe()
    stage = f"{prepared.name} · {recognizer_name}"
    with trackers.using(recognizer):
        crowd_due = trackers.start(recognizer, prepared.name, len(people))  # False: a kept tracker has it already
        photos = [(p, photo) for p in people for photo in prepared.training[p]]
        plan = trackers.plan(recognizer, len(people), len(photos), len(tests))
        if plan is not None:
            job.note(f"{stage}: {plan}")
        recognizer.expect([photo for _, photo in photos] + [photo for own in others.values() for photo in own
                                                            if crowd_due])

        def skipped(exc: UnusableImage) -> None:
            notes[prepared.name].append(f"training photo {exc}")
            job.note(f"Skipped training photo {exc}")

        enrolled = enrol_each(recognizer, photos, f"Enrolling training photos ({stage})", job, skipped)
        for person in people:
            if person not in enrolled:
                set_aside[prepared.name][person] = "none of the training photos could be enrolled"
        gallery[(prepared.name, recognizer_name)] = len(enrolled) + trackers.enrol_crowd(recognizer, crowd_due, stage)
        job.step(f"Training ({stage})", 0, 1)
        recognizer.train(job)
        recognizer.expect([dataset.root / relative for person, relative in tests if person in enrolled])
        for i, (person, relative) in enumerate(tests):
            job.step(f"Identifying test photos ({stage})", i, len(tests), relative)
            if person not in enrolled:
                continue
            recorder.add(_identify(recognizer, prepared, person, relative, dataset, recorder.scores))
        job.step(f"Identifying test photos ({stage})", len(tests), len(tests))
        return recognizer.describe()  # after the run: it names the remote group and any scaled uploads


def _identify(recognizer, prepared: PreparedCondition, person: str, relative: str, dataset: Dataset,
              scores: ScoreLog | None = None) -> ResultRow:
    """The row of one test photo; its outcome is provisional until ``_judge`` sets the operating point."""
    judged = prepared.judged_as(recognizer.name)
    try:
        candidates = recognizer.identify(dataset.root / relative)
    except UnusableImage as exc:
        outcome = NO_FACE if isinstance(exc, NoFaceFound) else ERROR
        return ResultRow(prepared.name, recognizer.name, judged, person, relative, "", None, None, outcome, exc.reason,
                         rank1_correct=False)
    if scores is not None:
        scores.add(prepared.name, recognizer.name, relative, person, candidates, recognizer.scale)
    best = candidates[0] if candidates else None
    predicted = best.person if best else ""
    confidence = best.confidence if best else None
    outcome = outcome_for(person, predicted, confidence, recognizer.threshold)
    return ResultRow(prepared.name, recognizer.name, judged, person, relative, predicted, confidence,
                     best.score if best else None, outcome, rank1_correct=bool(predicted) and predicted == person)


def _judge(config: StudyConfig, dataset: Dataset, split: Split, recorder: _Recorder, set_aside: dict, notes: dict,
           described: dict, job: Job, distractors: Distractors | None = None, asked: dict | None = None) -> dict:
    """Calibrate each recognizer on the clean enrolment, judge every row at that operating point, summarize."""
    ensure_clean_scores(config, dataset, split, recorder.scores, job, distractors)
    scales = scales_of(config.recognizers, None, recorder.scores.path)  # as the scores say, for pairs run before
    scales.update({name: ScoreScale.from_json(about["score_scale"]) for name, about in described.items()
                   if "score_scale" in about})  # as the trackers of this run say
    rows, summary, points = evaluate(recorder.rows, set_aside, notes, read_scores(recorder.scores.path), config.fmr,
                                     scales, own_thresholds(config), asked)
    recorder.rows = rows
    write_rows_csv(recorder.path, rows)
    for name, point in points.items():
        if name in described:
            described[name]["operating_point"] = point.to_json()
    return summary


def _write_manifest(out: Path, config: StudyConfig, dataset: Dataset, split: Split, described: dict, started: float,
                    fingerprint: str, conditions: list | None = None, distractors: Distractors | None = None) -> None:
    write_json_atomic(out / "manifest.json", {
        "dataset": {"folder": str(dataset.root), "layout": dataset.layout, "photos": len(dataset.photos),
                    "fingerprint_sha256": fingerprint,
                    "unusable_photos": [str(p) for p in dataset.problems]},
        "split": {"rule": split.rule, "seed": split.seed, "people": len(split.people), "left_out": split.left_out,
                  "strangers": split.strangers},
        "conditions": config.conditions,
        "transformations": {c.name: c.record() for c in conditions or [] if hasattr(c, "record")},
        "distractors": distractors.record() if distractors is not None else None,
        "recognizers": {name: {**tracker(name).describe(), **about} for name, about in described.items()},
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


def _write_histogram(out: Path, rows: list[ResultRow], summary: dict | None = None) -> None:
    """The confidence histogram, and the curve of people re-identified against the false-match rate."""
    figures = {"confidence_histogram.png": confidence_histogram(rows, threshold_marks(summary))}
    if summary is not None:
        figures["reidentification_curve.png"] = reidentification_curve(summary)
    for name, figure in figures.items():
        buf = io.BytesIO()
        figure.savefig(buf, format="png")
        write_bytes_atomic(out / name, buf.getvalue())
