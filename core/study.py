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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .atomic import write_bytes_atomic, write_json_atomic
from .calibration import ask_for_every_candidate, ensure_clean_scores, own_thresholds
from .catalogue import tracker
from .conditions import PreparedCondition
from .conditions.build import parse_condition
from .datasets import Dataset, open_dataset
from .detection import cloak_detection, condition_detection
from .detection.screen import Screening, screen_training
from .detection.study_entry import Detection
from .figures import confidence_histogram, reidentification_curve, threshold_marks
from .gallery import enrol_each, open_distractors
from .images import NoFaceFound, UnusableImage
from .jobs import NO_JOB, Job
from .metrics.build import evaluate
from .metrics.operating_point import OperatingPoint
from .metrics.scores import ScoreLog, read_scores, scales_of
from .metrics.summary import StudySummary
from .pair_trackers import PairTrackers
from .results import BELOW_THRESHOLD, ERROR, NO_FACE, ResultRow, outcome_for, package_versions, read_rows, write_rows_csv
from .score_scale import ScoreScale
from .split import Split, make_split
from .study_folder import StudyConfig, open_study_folder


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


@dataclass
class PairOutcome:
    """What one (condition, tracker) pair says besides its rows; ``study_state.json`` keeps it for a resumed study."""

    described: dict  # the tracker's describe() after the run: it names the remote group and any scaled uploads
    notes: list[str] = field(default_factory=list)  # training photos that could not be used
    set_aside: dict[str, str] = field(default_factory=dict)  # people none of whose training photos could be enrolled
    gallery: int | None = None  # people the test photos were matched against (None: not recorded)

    @classmethod
    def saved(cls, saved: dict) -> "PairOutcome":
        return cls(saved["described"], list(saved["notes"]), dict(saved["set_aside"]), saved.get("gallery"))


@dataclass
class _Heard:
    """What a run's conditions and pairs said, gathered from their outcomes for the summary and the manifest."""

    set_aside: dict[str, dict[str, str]] = field(default_factory=dict)  # condition -> person -> why
    notes: dict[str, list[str]] = field(default_factory=dict)  # condition -> notes of it and of its pairs
    described: dict[str, dict] = field(default_factory=dict)  # tracker -> its describe(), last pair's
    asked: dict[tuple[str, str], str] = field(default_factory=dict)  # every pair asked for, judged or not
    galleries: dict[tuple[str, str], int | None] = field(default_factory=dict)

    def add(self, condition: str, recognizer: str, outcome: PairOutcome) -> None:
        self.notes[condition].extend(outcome.notes)
        self.set_aside[condition].update(outcome.set_aside)
        self.described[recognizer] = outcome.described
        self.galleries[(condition, recognizer)] = outcome.gallery


class StudyRun:
    """One run of a study into its folder: opening it (refused if it holds another study) and holding what every
    pair uses: the dataset, the split, the rows' recorder, the job and the crowd (``--distractors``). Each pair
    returns its outcome; the summary is built once, at the end, from the rows and the scores (core.metrics.build)."""

    def __init__(self, config: StudyConfig, job: Job = NO_JOB, on_row: Callable[[ResultRow], None] | None = None,
                 restart: bool = False):
        self.config, self.job = config, job
        options = {"seed": config.seed, **config.cloak_options}  # the seed also picks the photos @K keeps cloaked
        self.conditions = [parse_condition(spec, **options) for spec in config.conditions]  # bad spellings fail now
        self.out = Path(config.out)
        self.dataset = open_dataset(config.dataset, job)
        self.fingerprint = self.dataset.fingerprint()
        self.state = open_study_folder(self.out, config.to_json(), self.fingerprint, restart)
        write_json_atomic(self.out / "study.json", config.to_json())
        for problem in self.dataset.problems:
            job.note(f"Unusable photo {problem}")
        self.crowd = open_distractors(config.distractors, self.dataset, job) if config.distractors else None  # name clashes fail now
        if self.crowd is not None:
            job.note(f"Gallery: {len(self.crowd.people)} other people from {self.crowd.dataset.root} "
                     f"({self.crowd.photos} photos), enrolled clean and never tested")
        self.split = split = _split_for(config, self.dataset)
        job.note(f"Split '{split.rule}': {len(split.people)} people, {split.training_photos} training and "
                 f"{split.test_photos} test photos (saved in split.json)")
        for person, why in split.left_out.items():
            job.note(f"Person {person} left out: {why}")
        if split.strangers:
            job.note(f"Held out of the study as Fawkes targets (strangers to the recognizer): {', '.join(split.strangers)}")
        self.recorder = _Recorder(self.out, on_row)
        self.screenings: dict[str, Screening] = {}  # a cloaked condition's screening, shared by its screening trackers
        self.detections: dict[str, Detection] = {}  # a cloaked condition's detector, trained once for both uses

    def run(self) -> StudySummary:
        """Every condition with every tracker, then the summary, the manifest and the figures."""
        started, heard = time.time(), _Heard()
        crowd = self.crowd.people if self.crowd is not None else {}
        with PairTrackers(self.config.recognizer_options, crowd, self.job) as trackers:  # closes kept trackers however it ends
            for condition in self.conditions:
                prepared = condition.prepare(self.dataset, self.split, self.out, self.job)
                heard.set_aside[prepared.name] = {**self.split.left_out, **prepared.set_aside}
                heard.notes[prepared.name] = list(prepared.notes)
                for note in prepared.notes:
                    self.job.note(f"{prepared.name}: {note}")
                for name in self.config.recognizers:
                    heard.asked[(prepared.name, name)] = prepared.judged_as(name)
                    saved = self.state.finished(prepared.name, name)
                    if saved is not None and not self._tests_left(prepared, name):
                        outcome = PairOutcome.saved(saved)  # finished in an earlier run: kept, nothing is redone
                    else:
                        outcome = self.run_pair(prepared, name, trackers)
                        before = heard.set_aside[prepared.name]
                        self.state.record(prepared.name, name, outcome.notes,
                                          {p: why for p, why in outcome.set_aside.items() if before.get(p) != why},
                                          outcome.described, outcome.gallery)
                    heard.add(prepared.name, name, outcome)
        summary, points = self._judge(heard)
        specs = [c.spec for c in self.conditions]
        if detected := cloak_detection(self.out, self.dataset, self.split, specs, self.job, self.config.seed,
                                       self.detections):
            summary.cloak_detection = detected  # could a tracker spot each cloaked condition's photos (core.detection)
        summary.finished = True
        write_json_atomic(self.out / "summary.json", summary.to_json())
        self._write_manifest(heard.described, points, started)
        _write_histogram(self.out, self.recorder.rows, summary.to_json())
        return summary

    def _tests_left(self, prepared: PreparedCondition, recognizer_name: str) -> bool:
        return any((prepared.name, recognizer_name, f) not in self.recorder.done
                   for p in self.split.people if p in prepared.training for f in self.split.test[p])

    def run_pair(self, prepared: PreparedCondition, recognizer_name: str, trackers: PairTrackers) -> PairOutcome:
        """Enrol one condition's training photos (and the crowd) in one tracker and identify every test photo left.
        ``trackers`` gives the recognizer: the pair's own, or one kept for the whole study (``core.pair_trackers``)."""
        job, split = self.job, self.split
        people = [p for p in split.people if p in prepared.training]
        tests = [(p, f) for p in people for f in split.test[p] if (prepared.name, recognizer_name, f) not in self.recorder.done]
        crowd = trackers.crowd
        recognizer = trackers.get(recognizer_name)
        ask_for_every_candidate(recognizer, len(people) + len(crowd))
        if not people:  # with people but no test left (killed before the pair was recorded), enrol again for its notes
            with trackers.using(recognizer):
                return PairOutcome(recognizer.describe(), gallery=len(crowd))
        stage = f"{prepared.name} · {recognizer_name}"
        notes: list[str] = []
        with trackers.using(recognizer):
            crowd_due = trackers.start(recognizer, prepared.name, len(people))  # False: a kept tracker has it already
            photos = [(p, photo) for p in people for photo in prepared.training[p]]
            screened_out: set[str] = set()  # people a screening tracker set every photo of aside: still tested
            if recognizer.screens and prepared.spec.cloaked:
                photos, screened_out = self._screen(prepared, photos, notes, stage)
            plan = trackers.plan(recognizer, len(people), len(photos), len(tests))
            if plan is not None:
                job.note(f"{stage}: {plan}")
            recognizer.expect([photo for _, photo in photos] + [photo for own in crowd.values() for photo in own
                                                                if crowd_due])

            def skipped(exc: UnusableImage) -> None:
                notes.append(f"training photo {exc}")
                job.note(f"Skipped training photo {exc}")

            enrolled = enrol_each(recognizer, photos, f"Enrolling training photos ({stage})", job, skipped)
            set_aside = {person: "none of the training photos could be enrolled" for person in people
                         if person not in enrolled and person not in screened_out}
            gallery = len(enrolled) + trackers.enrol_crowd(recognizer, crowd_due, stage)
            job.step(f"Training ({stage})", 0, 1)
            if not gallery:  # a screening tracker set every photo aside: it knows nobody, and names nobody
                for person, relative in (t for t in tests if t[0] in screened_out):
                    self.recorder.add(_nobody_named(prepared, recognizer, person, relative, BELOW_THRESHOLD,
                                                    "every training photo was set aside as cloaked"))
                return PairOutcome(recognizer.describe(), notes, set_aside, gallery)
            recognizer.train(job)
            recognizer.expect([self.dataset.root / relative for person, relative in tests if person in enrolled])
            for i, (person, relative) in enumerate(tests):
                job.step(f"Identifying test photos ({stage})", i, len(tests), relative)
                if person not in enrolled and person not in screened_out:
                    continue
                self.recorder.add(_identify(recognizer, prepared, person, relative, self.dataset, self.recorder.scores))
            job.step(f"Identifying test photos ({stage})", len(tests), len(tests))
            return PairOutcome(recognizer.describe(), notes, set_aside, gallery)

    def _screen(self, prepared: PreparedCondition, photos: list, notes: list[str], stage: str) -> tuple[list, set]:
        """The photos a tracker that screens for cloaks still enrols, and the people it left with none (their test
        photos are still asked: the tracker does not know them). One detector a condition, as its cloak_detection."""
        screening = self.screenings.get(prepared.name)
        if screening is None:
            spec = prepared.spec
            if spec.spelling not in self.detections:
                self.detections[spec.spelling] = condition_detection(self.out, self.dataset, self.split, spec,
                                                                     self.job, self.config.seed)
            screening = self.screenings[prepared.name] = screen_training(prepared, self.detections[spec.spelling][1])
        notes.append(screening.sentence())
        self.job.note(f"{stage}: {screening.sentence()}")
        aside = {Path(f) for files in screening.set_aside.values() for f in files}
        kept = [(person, photo) for person, photo in photos if Path(photo) not in aside]
        return kept, {person for person, _ in photos} - {person for person, _ in kept}

    def _judge(self, heard: _Heard) -> tuple[StudySummary, dict[str, OperatingPoint]]:
        """Calibrate each tracker on the clean enrolment, judge every row at that operating point, summarize."""
        config, recorder = self.config, self.recorder
        ensure_clean_scores(config, self.dataset, self.split, recorder.scores, self.job, self.crowd)
        scales = scales_of(config.recognizers, None, recorder.scores.path)  # as the scores say, for pairs run before
        scales.update({name: ScoreScale.from_json(about["score_scale"]) for name, about in heard.described.items()
                       if "score_scale" in about})  # as the trackers of this run say
        rows, summary, points = evaluate(recorder.rows, heard.set_aside, heard.notes, read_scores(recorder.scores.path),
                                         config.fmr, scales, own_thresholds(config), heard.asked, heard.galleries)
        recorder.rows = rows
        write_rows_csv(recorder.path, rows)
        return summary, points

    def _write_manifest(self, described: dict[str, dict], points: dict[str, OperatingPoint], started: float) -> None:
        config, dataset, split = self.config, self.dataset, self.split
        write_json_atomic(self.out / "manifest.json", {
            "dataset": {"folder": str(dataset.root), "layout": dataset.layout, "photos": len(dataset.photos),
                        "fingerprint_sha256": self.fingerprint,
                        "unusable_photos": [str(p) for p in dataset.problems]},
            "split": {"rule": split.rule, "seed": split.seed, "people": len(split.people), "left_out": split.left_out,
                      "strangers": split.strangers},
            "conditions": config.conditions,
            "transformations": {c.name: c.record() for c in self.conditions if hasattr(c, "record")},
            "distractors": self.crowd.record() if self.crowd is not None else None,
            "recognizers": {name: {**tracker(name).describe(), **about,
                                   **({"operating_point": points[name].to_json()} if name in points else {})}
                            for name, about in described.items()},
            "cloak_options": config.to_json()["cloak_options"],
            "cloaking": _cloaking_record(config),
            "packages": package_versions(),
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "seconds": round(time.time() - started, 1),
        })


def run_study(config: StudyConfig, job: Job = NO_JOB, on_row: Callable[[ResultRow], None] | None = None,
              restart: bool = False) -> dict:
    """Run every condition with every recognizer and write the study folder; returns the summary as
    ``summary.json`` holds it. A folder holding another study is refused (``DifferentStudy``) unless ``restart``
    empties it first.

    Photos that cannot be used become rows with a reason (or notes, for training photos); the run
    goes on. An error that makes the rest pointless (a recognizer that cannot start, Azure refusing
    the key) stops it, with every finished row already on disk.
    """
    return StudyRun(config, job, on_row, restart).run().to_json()


def _identify(recognizer, prepared: PreparedCondition, person: str, relative: str, dataset: Dataset,
              scores: ScoreLog | None = None) -> ResultRow:
    """The row of one test photo; its outcome is provisional until the study judges it at the operating point."""
    judged = prepared.judged_as(recognizer.name)
    try:
        candidates = recognizer.identify(dataset.root / relative)
    except UnusableImage as exc:
        return _nobody_named(prepared, recognizer, person, relative, NO_FACE if isinstance(exc, NoFaceFound) else ERROR,
                             exc.reason)
    if scores is not None:
        scores.add(prepared.name, recognizer.name, relative, person, candidates, recognizer.scale)
    best = candidates[0] if candidates else None
    predicted = best.person if best else ""
    confidence = best.confidence if best else None
    outcome = outcome_for(person, predicted, confidence, recognizer.threshold)
    return ResultRow(prepared.name, recognizer.name, judged, person, relative, predicted, confidence,
                     best.score if best else None, outcome, rank1_correct=bool(predicted) and predicted == person)


def _nobody_named(prepared: PreparedCondition, recognizer, person: str, relative: str, outcome: str,
                  reason: str) -> ResultRow:
    """The row of a test photo the tracker named nobody for, and why."""
    return ResultRow(prepared.name, recognizer.name, prepared.judged_as(recognizer.name), person, relative, "", None,
                     None, outcome, reason, rank1_correct=False)


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
