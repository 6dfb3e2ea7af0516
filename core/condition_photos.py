"""Where a condition's training photos are, so that the window can show every cloak beside its original.

Only what was recorded is read, and nothing is made: a study folder's ``cloak_report.csv`` (our cloaks),
its ``cloaks/`` folder (the original program's), ``enrolled/<condition>/enrolled.json`` (photos as a what-if
enrolled them), ``study.json`` and ``split.json``; outside a study, the cloak cache under the keys the
engine would use. A cloak that does not exist yet is reported missing, so the user can decide to make it.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path

from .cloaking.report import REPORT_NAME, CloakReport, problem_report
from .conditions import ConditionSpec, Imported, parse_spec, read_listing
from .datasets import Dataset, open_dataset
from .images import UnusableImage
from .jobs import NO_JOB, Job
from .pairing import pair_cloaks
from .split import Split
from .study_folder import StudyConfig

NO_CLOAK = "no cloak: the clean photo is enrolled as it is"
NOT_RECORDED = "no cloak of this photo in the study folder"


class CloaksMissing(LookupError):
    """Our own cloaks of a condition have not been made yet (``missing`` of ``total`` photos)."""

    def __init__(self, condition: str, missing: int, total: int):
        self.condition, self.missing, self.total = condition, missing, total
        super().__init__(f"The cloaks of {condition} have not been made yet (none of the {total} training photos has one).")


@dataclass
class ConditionPhoto:
    """One training photo under a condition. ``report.source`` is the clean photo and ``report.output`` its
    cloak (the clean photo for ``none``; None with ``report.problem`` saying why there is none)."""

    person: str
    original: str  # relative to the dataset
    report: CloakReport
    enrolled: Path | None = None  # the file the study enrolled, when a what-if changed the photo
    steps: str = ""  # what the what-ifs did to it, in words


def clean_report(photo: Path) -> CloakReport:
    """The clean photo standing for itself: nothing changed (faces -1: not looked for)."""
    return CloakReport(photo, photo, -1, 0.0, math.inf, 0, {}, 0.0, note=NO_CLOAK)


def read_cloak_report(folder: Path) -> list[CloakReport]:
    """The reports a cloaking run wrote in ``folder`` (engine ``write_csv``); empty when there are none."""
    path = Path(folder) / REPORT_NAME
    if not path.is_file():
        return []
    reports = []
    for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines()):
        shifts = {k[len("shift_"):]: float(v) for k, v in row.items() if k.startswith("shift_") and v}
        reports.append(CloakReport(Path(row["photo"]), Path(folder) / row["output"] if row["output"] else None,
                                   int(row["faces"] or 0), _number(row["dssim"]), _number(row["psnr"]),
                                   int(row["max_change"] or 0), shifts, _number(row["seconds"]), row["problem"] or None,
                                   row["cached"] == "yes", row["variant"], row["view"], row["note"]))
    return reports


def _number(text: str) -> float:
    return float(text) if text else math.nan  # the CSV leaves what was not measured empty


def _own_settings(spec: str, options: dict):
    from .cloaking.condition import cloaking_condition  # imports the engine (torch): only when asked

    return cloaking_condition(spec, **options).settings


def own_cloaks(dataset: Dataset, split: Split, spec: str, options: dict, study_dirs: list[Path] = ()) -> list[CloakReport]:
    """Our cloaks of the split's training photos under ``spec`` (``fawkes:VERSION:MODE``) with ``options`` (a
    study's cloak options, seed included), one report per photo: from the cloak cache (exactly the key the
    engine would use, so the Cloaking tab's and the study's cloaks are both found), else from the cloaks a
    study in ``study_dirs`` wrote. Raises ``CloaksMissing`` when there is none: nothing is cloaked here."""
    from .cloaking import cache
    from .cloaking.condition import _pool, _training_photos
    from .cloaking.engine import _pool_paths
    from .cloaking.extractors import check_names, resolve_device
    from .cloaking.plan import plan_photos
    from .cloaking.targets import pool_fingerprint
    from .models.zoo import user_data_dir

    settings = _own_settings(spec, options)
    mode, names = settings.mode_spec(), check_names(settings.extractors)
    photos, person_of = _training_photos(dataset, split)
    plans = plan_photos(photos, Path(), settings, person_of)
    pool = _pool_paths(settings, _pool(dataset, split, settings), NO_JOB) if mode.version == "0.3" else {}
    shared = cache.recipe(settings, mode, names, resolve_device(settings.device).type,
                          pool_fingerprint(pool, names) if pool else "")
    cache_dir = Path(settings.cache_dir) if settings.cache_dir else user_data_dir() / "cloak-cache"
    recorded = {Path(r.source): r for folder in study_dirs
                for r in read_cloak_report(Path(folder) / parse_spec(spec).cloaks_dir(settings.folder_suffix))
                if r.output is None or r.output.is_file()}
    reports, missing = [], 0
    for plan in plans:
        if plan.report is None:
            key = cache.cache_key(plan, plans, shared, mode.version)
            png, saved = cache_dir / f"{key}.png", cache_dir / f"{key}.json"
            if png.is_file() and saved.is_file():
                data = json.loads(saved.read_text(encoding="utf-8"))
                plan.report = CloakReport(plan.source, png, data["faces"], data["dssim"], data["psnr"], data["max_change"],
                                          data["feature_shift"], 0.0, None, True, data.get("variant", ""),
                                          data.get("view", ""), data.get("note", ""))
            elif plan.source in recorded:
                plan.report = recorded[plan.source]
            else:
                missing += 1
                plan.report = problem_report(plan.source, "not cloaked yet (or no face was found in it): "
                                                          "Cloak the training photos to make its cloak")
        reports.append(plan.report)
    if plans and missing == len(plans):
        raise CloaksMissing(spec, missing, len(plans))
    return reports


def external_folder(study_dir: Path | None, spec: str) -> Path:
    """Where a study put the original program's cloaks for ``external:MODE``; raises ``FileNotFoundError`` in
    plain words when no study has made them."""
    folder = Path(study_dir) / parse_spec(spec).cloaks_dir() if study_dir is not None else None
    if folder is None or not any(folder.rglob("*_cloaked.*")):
        raise FileNotFoundError("The original program's cloaks are made when the study runs (Study › Run the study) "
                                "and kept in the study folder; the study shown on the Results tab has none yet.")
    return folder


# ---- a study folder ---------------------------------------------------------------------------------------
def study_photos(folder: Path, condition: str, person: str | None = None) -> list[ConditionPhoto]:
    """The training photos of ``person`` (everyone when None) under ``condition``, as the study in ``folder``
    recorded them: each clean photo, its cloak, and the file enrolled when a what-if changed it. Raises
    ``FileNotFoundError`` in plain words when the study folder does not hold them."""
    folder = Path(folder)
    if not (folder / "study.json").is_file() or not (folder / "split.json").is_file():
        raise FileNotFoundError(f"{folder} is not a study folder (it has no study.json or split.json).")
    config = StudyConfig.from_json(json.loads((folder / "study.json").read_text(encoding="utf-8")))
    if condition not in config.conditions:
        raise FileNotFoundError(f"The study in {folder.name} has no condition {condition}.")
    split = Split.load(folder / "split.json")
    people = [person] if person is not None else sorted(split.train)
    if any(p not in split.train for p in people):
        raise FileNotFoundError(f"{person} has no training photos in this study's split.")
    dataset = open_dataset(config.dataset, check_images=False)
    spec = parse_spec(condition)
    photos = _base_photos(folder, config, dataset, split, spec.base_spec, people)
    if spec.modifiers:
        _add_enrolled(photos, folder, spec, _set_aside(folder, condition))
    return photos


def _base_photos(folder: Path, config, dataset: Dataset, split: Split, base: ConditionSpec,
                 people: list[str]) -> list[ConditionPhoto]:
    wanted = [(p, r) for p in people for r in split.train[p]]
    if base.kind == "none":
        return [ConditionPhoto(p, r, clean_report(dataset.root / r)) for p, r in wanted]
    if base.kind == "fawkes":
        settings = _own_settings(base.spelling, {"seed": config.seed, **config.cloak_options})
        cloaks = folder / base.cloaks_dir(settings.folder_suffix)
        recorded = {_relative(r.source, dataset): r for r in read_cloak_report(cloaks)}
        return [ConditionPhoto(p, r, recorded.get(r) or problem_report(dataset.root / r, NOT_RECORDED)) for p, r in wanted]
    if base.kind == "external":
        cloaks = folder / base.cloaks_dir()
        files = sorted(cloaks.rglob("*_cloaked.*")) if cloaks.is_dir() else []
    else:
        cloaks = base.folder
        files = Imported(cloaks).files()
    pairing = pair_cloaks(files, cloaks, [dataset.relative(p.path) for p in dataset.photos], {r for _, r in wanted})
    return [ConditionPhoto(p, r, CloakReport(dataset.root / r, pairing.cloak_of[r], -1, math.nan, math.nan, 0, {}, 0.0)
                           if r in pairing.cloak_of else problem_report(dataset.root / r, f"no cloak of it in {cloaks}"))
            for p, r in wanted]


def _relative(source: Path, dataset: Dataset) -> str:
    source = Path(source)
    try:
        return dataset.relative(source.resolve())
    except ValueError:
        return source.name


def _add_enrolled(photos: list[ConditionPhoto], folder: Path, spec: ConditionSpec, set_aside: dict[str, str]) -> None:
    """Each photo's file as enrolled under the what-ifs (the condition's listing), and what was done to it."""
    recorded = read_listing(folder, spec)
    if recorded is None:
        raise FileNotFoundError(f"The photos as enrolled under {spec} are not in the study folder yet "
                                "(the study has not reached this condition).")
    listing = {e["original"]: e for e in recorded.photos}
    words = {step.spelling: step.words() for step in spec.modifiers}
    for photo in photos:
        entry = listing.get(photo.original)
        if entry is None:
            why = set_aside.get(photo.person, "")
            photo.steps = f"not enrolled: {photo.person} was set aside" + (f" ({why})" if why else "")
            continue
        photo.enrolled = recorded.folder / entry["file"]
        photo.steps = ", ".join(words.get(s, s) for s in entry["steps"]) or "unchanged"


def _set_aside(folder: Path, condition: str) -> dict[str, str]:
    """Who the summary says was set aside under ``condition``, and why (empty before the summary exists)."""
    summary = folder / "summary.json"
    if not summary.is_file():
        return {}
    out: dict[str, str] = {}
    for entry in json.loads(summary.read_text(encoding="utf-8")).get("conditions", []):
        if entry.get("name") == condition:
            out.update(entry.get("set_aside") or {})
    return out


def measure(photos: list[ConditionPhoto], job: Job = NO_JOB) -> None:
    """Measure the cloaks nobody measured (imported, the original program's) as ``compare`` does."""
    from .cloaking.compare import compare_photos

    todo = [p for p in photos if p.report.output is not None and p.report.problem is None and math.isnan(p.report.dssim)]
    for i, photo in enumerate(todo):
        job.step("Measuring the cloaks", i, len(todo), photo.original)
        try:
            photo.report = compare_photos(Path(photo.report.source), Path(photo.report.output))
        except UnusableImage as exc:
            photo.report = problem_report(photo.report.source, str(exc))
    job.step("Measuring the cloaks", len(todo), len(todo))
