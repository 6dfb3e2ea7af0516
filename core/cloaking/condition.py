"""Study conditions made by cloaking: ``fawkes:VERSION:MODE`` (our engine) and ``external:MODE``
(the original program, where the user has it). Their spelling is read by ``core.conditions``; what is
here is the cloaking.

Our cloaks go to ``<study>/cloaks/<condition folder>/`` (``ConditionSpec.cloaks_dir``) and record the
extractors they were made against, so that every result can be labelled white-box (judged by one of them)
or black-box. A person whose training photos cannot all be cloaked (no face found, unreadable) is set aside
with the reason: counting them as protected or unprotected would be wrong either way.
"""
from __future__ import annotations

from pathlib import Path

from ..conditions import Condition, ConditionSpec, PreparedCondition, match_cloaks, parse_spec
from ..jobs import NO_JOB, Job
from .engine import CloakSettings, cloak_photos
from .extractors import check_names
from .external import command_words, run_original
from .modes import get_mode, normalise_version
from .settings import STUDY_POOL_LABEL, extractor_list, parse_target_pool

DEFAULT_POOL_NOTE = (f"Fawkes 0.3.1 {STUDY_POOL_LABEL}: target identities were chosen among the other people of this study; "
                     "the original Fawkes used strangers from public celebrity datasets (--target-pool strangers:N).")


def _extractor_names(value) -> tuple[str, ...]:
    names = extractor_list(value)
    return tuple(check_names(names)) if names else ("dlib",)


def cloaking_condition(spec: str | ConditionSpec, **options) -> Condition:
    """``fawkes:0.3:min``, ``fawkes:1.0:high``, ... or ``external:MODE``. Options: extractors, seed,
    device, target_pool (study, strangers:N or a folder), target_per_face, custom, batch_size, cache_dir,
    strict_budget (ours); external_command (the original)."""
    spec = parse_spec(spec) if isinstance(spec, str) else spec
    if spec.modifiers or spec.kind not in ("fawkes", "external"):
        raise ValueError(f"Cannot read the condition '{spec}': write fawkes:0.3:MODE, fawkes:1.0:MODE or external:MODE.")
    if spec.kind == "external":
        return ExternalCondition(spec, options.get("external_command") or "fawkes")
    settings = CloakSettings(
        version=normalise_version(spec.version),
        mode=spec.mode,
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
    get_mode(settings.version, settings.mode, settings.custom)  # a bad custom setting fails now, not mid-study
    return FawkesCondition(spec, settings)


def _target_pool(value) -> Path | str | None:
    kind, detail = parse_target_pool(value)  # a bad spelling fails now, not mid-study
    return None if kind == "study" else (detail if kind == "folder" else str(value))


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
    def __init__(self, spec: ConditionSpec, settings: CloakSettings):
        self.spec, self.settings = spec, settings

    def make(self, dataset, split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        photos, person_of = _training_photos(dataset, split)
        settings = self.settings
        pool = _pool(dataset, split, settings)
        folder = Path(out_dir) / self.spec.cloaks_dir(settings.folder_suffix)
        reports = cloak_photos(photos, folder, settings, job, pool=pool, person_of=person_of)

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
        return PreparedCondition(self.name, training, set_aside, notes, list(self.settings.extractors), originals, folder)


class ExternalCondition(Condition):
    def __init__(self, spec: ConditionSpec, command: str):
        self.spec, self.mode, self.command = spec, spec.mode, command

    def make(self, dataset, split, out_dir: Path, job: Job = NO_JOB) -> PreparedCondition:
        photos, _ = _training_photos(dataset, split)
        folder = Path(out_dir) / self.spec.cloaks_dir()
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
