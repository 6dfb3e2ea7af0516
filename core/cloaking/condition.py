"""Study conditions made by cloaking: ``fawkes:VERSION:MODE`` (our engine) and ``external:MODE``
(the original program, where the user has it).

Our cloaks go to ``<study>/cloaks/<condition folder>/`` and record the extractors they were made
against, so that every result can be labelled white-box (judged by one of them) or black-box.
A person whose training photos cannot all be cloaked (no face found, unreadable) is set aside with
the reason: counting them as protected or unprotected would be wrong either way.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..jobs import NO_JOB, Job
from ..pairing import match_cloaks
from ..prepared import Condition, PreparedCondition
from .engine import CloakSettings, cloak_photos
from .extractors import check_names
from .external import ORIGINAL_MODES, command_words, run_original
from .modes import get_mode, normalise_version
from .settings import STUDY_POOL_LABEL, parse_target_pool

CLOAKS_FOLDER = "cloaks"
DEFAULT_POOL_NOTE = (f"Fawkes 0.3.1 {STUDY_POOL_LABEL}: target identities were chosen among the other people of this study; "
                     "the original Fawkes used strangers from public celebrity datasets (--target-pool strangers:N).")


def _extractor_names(value) -> tuple[str, ...]:
    if value is None:
        return ("dlib",)
    names = [v.strip() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
    return tuple(check_names(names)) if names else ("dlib",)


def cloaking_condition(spec: str, **options) -> Condition:
    """``fawkes:0.3:min``, ``fawkes:1.0:high``, ... or ``external:MODE``. Options: extractors, seed,
    device, target_pool (study, strangers:N or a folder), target_per_face, custom, batch_size, cache_dir,
    strict_budget (ours); external_command (the original)."""
    parts = spec.split(":")
    if parts[0] == "fawkes" and len(parts) == 3:
        version, mode = normalise_version(parts[1]), parts[2]
        settings = CloakSettings(
            version=version,
            mode=mode,
            extractors=_extractor_names(options.get("extractors")),
            seed=int(options.get("seed") or 0),
            device=options.get("device") or "auto",
            target_pool=_target_pool(options.get("target_pool")),
            target_per_face=bool(options.get("target_per_face", True)),
            custom=options.get("custom"),
            batch_size=int(options.get("batch_size") or 8),
            cache_dir=Path(options["cache_dir"]) if options.get("cache_dir") else None,
            strict_budget=bool(options.get("strict_budget", False)),
        )
        get_mode(settings.version, settings.mode, settings.custom)  # a bad mode fails now, not mid-study
        return FawkesCondition(spec, settings)
    if parts[0] == "external" and len(parts) == 2:
        if parts[1] not in ORIGINAL_MODES:
            raise ValueError(f"The original Fawkes has no mode '{parts[1]}': use {', '.join(ORIGINAL_MODES)}.")
        return ExternalCondition(spec, parts[1], options.get("external_command") or "fawkes")
    raise ValueError(f"Cannot read the condition '{spec}': write fawkes:0.3:MODE, fawkes:1.0:MODE or external:MODE.")


def _target_pool(value) -> Path | str | None:
    kind, detail = parse_target_pool(value)  # a bad spelling fails now, not mid-study
    return None if kind == "study" else (detail if kind == "folder" else str(value))


def folder_name(spec: str, settings: CloakSettings | None = None) -> str:
    """A safe folder name for the condition's cloaks; it changes with anything that changes them."""
    name = re.sub(r"[^A-Za-z0-9.]+", "-", spec).strip("-")
    if settings is not None:
        name += f"-{'+'.join(settings.extractors)}-seed{settings.seed}"
        if settings.strict_budget:
            name += "-strict"
        kind, detail = parse_target_pool(settings.target_pool)
        if kind == "strangers":
            name += f"-strangers{detail}"
        elif kind == "folder":
            name += "-pool-" + hashlib.sha256(str(detail).encode()).hexdigest()[:8]
        if settings.custom:
            name += "-" + hashlib.sha256(json.dumps(settings.custom, sort_keys=True).encode()).hexdigest()[:8]
    return name


def _training_photos(dataset, split) -> tuple[list[Path], dict[Path, str]]:
    photos, person_of = [], {}
    for person in sorted(split.train):
        for relative in split.train[person]:
            path = dataset.root / relative
            photos.append(path)
            person_of[path] = person
    return photos, person_of


def _pool(dataset, split, settings: CloakSettings) -> dict[str, list[Path]]:
    """0.3.1's target identities: the strangers the split held out, or every person of the dataset."""
    people = {person: [p.path for p in ps] for person, ps in dataset.people().items()}
    kind, count = parse_target_pool(settings.target_pool)
    if kind != "strangers":
        return people
    if len(split.strangers) != count:
        raise ValueError(f"The target pool strangers:{count} needs a split that holds {count} people out of the study "
                         f"(this one holds {len(split.strangers)}).")
    return {person: people[person] for person in split.strangers}


class FawkesCondition(Condition):
    def __init__(self, spec: str, settings: CloakSettings):
        self.name, self.settings = spec, settings

    def prepare(self, dataset, split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        photos, person_of = _training_photos(dataset, split)
        cloaks = Path(out_dir) / CLOAKS_FOLDER
        settings = self.settings
        pool = _pool(dataset, split, settings)
        reports = cloak_photos(photos, cloaks / folder_name(self.name, settings), settings, job, pool=pool, person_of=person_of)

        training: dict[str, list[Path]] = {}
        problems: dict[str, list[str]] = {}
        for report in reports:
            person = person_of[report.source]
            if report.problem:
                problems.setdefault(person, []).append(f"{report.source.name}: {report.problem}")
            else:
                training.setdefault(person, []).append(report.output)
        set_aside = {person: "; ".join(why) for person, why in problems.items()}
        training = {person: files for person, files in training.items() if person not in set_aside}

        done = [r for r in reports if not r.problem]
        notes = []
        if done:
            shifts = {name: sum(r.feature_shift.get(name, 0.0) for r in done) / len(done) for name in self.settings.extractors}
            notes.append(
                f"{len(done)} photos cloaked against {', '.join(self.settings.extractors)} (seed {self.settings.seed}); "
                f"largest DSSIM {max(r.dssim for r in done):.4f}, largest pixel change {max(r.max_change for r in done)}, "
                "mean feature shift " + ", ".join(f"{k} {v:.3f}" for k, v in shifts.items())
            )
        if any(r.cached for r in done):  # for the log only: the summary must not depend on what an earlier run left
            job.note(f"{self.name}: {sum(r.cached for r in done)} cloaks reused from earlier runs")
        if self.settings.version == "0.3":
            notes.append(DEFAULT_POOL_NOTE if self.settings.target_pool is None else f"Fawkes 0.3.1 {self.settings.pool_label}.")
        notes.append(f"Cloaks written {self.settings.variant}.")
        originals = {r.output: dataset.relative(r.source) for r in done}
        return PreparedCondition(self.name, training, set_aside, notes, list(self.settings.extractors), originals)


class ExternalCondition(Condition):
    def __init__(self, spec: str, mode: str, command: str):
        self.name, self.mode, self.command = spec, mode, command

    def prepare(self, dataset, split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        photos, _ = _training_photos(dataset, split)
        folder = Path(out_dir) / CLOAKS_FOLDER / folder_name(self.name)
        existing = sorted(folder.rglob("*_cloaked.*")) if folder.is_dir() else []
        notes = []
        reused = match_cloaks(self.name, existing, dataset, split, extractors=None, folder=folder) if existing else None
        if reused is not None and not reused.set_aside:
            prepared = reused  # an earlier run of this study already has them all
            job.note(f"{self.name}: reused the original program's cloaks already in {folder}")
        else:
            command_words(self.command)
            files = run_original(self.command, photos, self.mode, folder, job, root=dataset.root)
            prepared = match_cloaks(self.name, files, dataset, split, extractors=None, folder=folder)
        prepared.notes[:0] = notes + ["Cloaked by the original Fawkes program; the networks it used are its own, so every result is black-box."]
        return prepared
