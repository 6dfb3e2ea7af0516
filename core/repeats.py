"""Repeated studies: how much of a result is the luck of one seed.

``StudyConfig.repeat = N`` runs the conditions whose result depends on the seed N times, with seeds
seed … seed+N−1: our own cloaking (Fawkes 0.3 picks its target at random), and, with a ``random:K``
split, every condition on N different splits. Run 1 is the study itself; runs 2 … N are whole
studies of their own in ``repeats/seed-S/`` (so each resumes, and reuses its cached cloaks, like any
study). The study's ``summary.json`` then gives, per repeated entry, each run's figures
(``repeats``) and their mean, min and max (``repeat_spread``).
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Callable

from .atomic import write_json_atomic, write_text_atomic
from .conditions import parse_spec
from .jobs import NO_JOB, Job
from .metrics.build import repeat_run, repeat_spread
from .metrics.scores import CALIBRATION, CLEAN, SCORE_FIELDS, SCORES_FILE, read_scores, score_lines, written_scales
from .metrics.summary import RepeatRecord
from .study import StudyConfig, StudyRun

REPEATS_FOLDER = "repeats"


def seeded_conditions(config: StudyConfig) -> list[str]:
    """The conditions a repeat runs again: all of them on a random split, else those whose result depends on
    the seed (``ConditionSpec.seeded``: our own cloaking, and modifiers that pick photos with it, as ``@K``)."""
    if config.split.startswith("random"):
        return list(config.conditions)
    return [c for c in config.conditions if parse_spec(c).seeded]


def run_folder(config: StudyConfig, seed: int) -> Path:
    return Path(config.out) / REPEATS_FOLDER / f"seed-{seed}"


def _share_clean_scores(main_out: Path, run_out: Path) -> None:
    """The main study's clean scores, as the repeat's calibration: with the same split they are the same,
    and a repeat then needs no clean enrolment of its own."""
    clean = {key: photos for key, photos in read_scores(main_out / SCORES_FILE).items() if key[0] in (CLEAN, CALIBRATION)}
    if not clean or (run_out / SCORES_FILE).exists():
        return
    scales = written_scales(main_out / SCORES_FILE)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(SCORE_FIELDS)
    for (_, recognizer), photos in clean.items():
        for file, (person, candidates) in photos.items():
            writer.writerows(score_lines(CALIBRATION, recognizer, file, person, candidates.items(),
                                         scales.get(recognizer)))
    run_out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(run_out / SCORES_FILE, buf.getvalue())


def run_repeated(config: StudyConfig, job: Job = NO_JOB, on_row: Callable | None = None, restart: bool = False) -> dict:
    """The study (``run_study``), then its repeats; returns the summary with ``repeats`` added.
    ``restart`` empties a folder holding another study first (the repeats' own folders with it)."""
    summary = StudyRun(config, job, on_row, restart).run()
    repeated = seeded_conditions(config)
    if config.repeat <= 1 or not repeated:
        return summary.to_json()
    runs = {e.pair: [repeat_run(config.seed, e)] for e in summary.conditions if e.name in repeated}
    seeds = [config.seed + i for i in range(config.repeat)]
    for i, seed in enumerate(seeds[1:], start=2):
        job.note(f"Repeat {i} of {config.repeat}: seed {seed}, conditions {', '.join(repeated)}")
        out = run_folder(config, seed)
        if not config.split.startswith("random"):
            _share_clean_scores(Path(config.out), out)
        sub = replace(config, out=out, seed=seed, repeat=1, conditions=repeated,
                      cloak_options={**config.cloak_options, "seed": seed})
        for e in StudyRun(sub, job, restart=restart).run().conditions:
            runs.setdefault(e.pair, []).append(repeat_run(seed, e))
    for e in summary.conditions:
        got = runs.get(e.pair)
        if got:
            e.repeats, e.repeat_spread = got, repeat_spread(got)
    summary.repeat = RepeatRecord(config.repeat, seeds, repeated, [str(run_folder(config, s)) for s in seeds[1:]])
    write_json_atomic(Path(config.out) / "summary.json", summary.to_json())
    return summary.to_json()
