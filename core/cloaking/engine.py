"""Cloak photos with our rebuild of Fawkes: the one entry point the GUI, the command line and the
study use.

Per photo: read it (EXIF applied), find every face, optimise each face's crop at full resolution
against the chosen extractors (faces of several photos are batched), write the change into the photo
as the original wrote it (or, with a strict budget, kept within the DSSIM budget after rounding), save
a PNG named as the original versions did, and report faces, DSSIM on the original's budget view, PSNR,
largest change, feature shift and time. ``cloak_report.csv`` sums it up; a cache reuses earlier cloaks.
"""
from __future__ import annotations

import random
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from ..datasets import open_dataset
from ..images import load_rgb, save_rgb_atomic
from ..jobs import NO_JOB, Job
from ..models.zoo import user_data_dir
from . import cache
from . import targets as target_selection
from .crops import VIEW_NAME
from .extractors import check_names, embed, load_extractor, resolve_device, run_flushed
from .fawkes_v031 import cloak_towards
from .fawkes_v10 import cloak_away
from .merge import write_faces
from .modes import MODES, Mode
from .optimise import FaceBatch
from .plan import PhotoPlan, batches, find_faces, plan_photos
from .report import REPORT_NAME, CloakReport, psnr, write_csv
from .settings import CloakSettings

__all__ = ["CloakSettings", "CloakReport", "cloak_photos", "load_extractor", "resolve_device",
           "MODES", "REPORT_NAME"]

def cloak_photos(photos: list[Path], out_dir: Path, settings: CloakSettings, job: Job = NO_JOB,
                 pool: dict[str, list[Path]] | None = None, person_of: dict[Path, str] | None = None) -> list[CloakReport]:
    """Cloak ``photos`` into ``out_dir``; one report per photo, in order.

    ``pool``: 0.3.1 target identities (identity -> photos) unless ``settings.target_pool`` names a
    folder: the study's people, or the strangers held out of it; ``person_of``: who each photo shows
    (their own identity is left out of the pool). Without it all photos are taken to show one person.
    A cancel request stops between steps; photos finished by then are written and reported.
    """
    mode, device, names = settings.mode_spec(), resolve_device(settings.device), check_names(settings.extractors)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(settings.cache_dir) if settings.cache_dir else user_data_dir() / "cloak-cache"
    plans = plan_photos(photos, out_dir, settings, {Path(k): v for k, v in (person_of or {}).items()})
    try:
        pool_paths = _pool_paths(settings, pool, job) if mode.version == "0.3" and any(p.report is None for p in plans) else {}
        pool_key = target_selection.pool_fingerprint(pool_paths, names) if pool_paths else ""
        pending = cache.reuse(plans, cache_dir, cache.recipe(settings, mode, names, device.type, pool_key), mode.version)
        if pending:
            # The machine's thread count, whatever other work set: with the seed, it fixes the cloak bit for bit.
            run_flushed(lambda: _cloak_pending(pending, settings, mode, names, device, cache_dir, pool_paths, job))
    finally:
        write_csv(out_dir, [p.report for p in plans if p.report is not None], names)
    return [p.report for p in plans if p.report is not None]


def _cloak_pending(pending: list[PhotoPlan], settings: CloakSettings, mode: Mode, names, device, cache_dir: Path, pool_paths, job: Job) -> None:
    extractors = [load_extractor(n, device) for n in names]
    find_faces(pending, job)
    with_faces = [p for p in pending if p.report is None]
    if mode.version == "0.3" and with_faces:
        pool_images = target_selection.embed_pool(pool_paths, extractors, names, device, cache_dir, job)
        for problem in pool_images.problems:
            job.note(problem)
        _choose_targets(with_faces, settings, pool_images, extractors, device)
    groups = batches(with_faces, max(1, settings.batch_size))
    for number, group in enumerate(groups):
        _cloak_batch(group, number, len(groups), settings, mode, extractors, names, device, cache_dir, job)


def _pool_paths(settings: CloakSettings, pool, job: Job) -> dict[str, list[Path]]:
    folder = settings.pool_folder
    if folder is not None:
        dataset = open_dataset(folder, job, check_images=False)
        return {person: [p.path for p in photos] for person, photos in dataset.people().items()}
    if not pool:
        raise ValueError("Fawkes 0.3.1 moves faces towards another identity: choose a target pool (a folder of other people's photos).")
    return {k: [Path(p) for p in v] for k, v in pool.items()}


def _choose_targets(plans: list[PhotoPlan], settings: CloakSettings, pool_images, extractors, device) -> None:
    """Each face's target features (per extractor), person by person, with seeded generators."""
    by_person: dict[str, list[PhotoPlan]] = {}
    for plan in plans:
        by_person.setdefault(plan.person, []).append(plan)
    for person, group in by_person.items():
        faces = [(plan, i, context, landmarks) for plan in group
                 for i, (context, landmarks, _) in enumerate(plan.contexts(load_rgb(plan.source), "0.3"))]
        own = [target_selection.embed_face(extractors, context, landmarks, device) for _, _, context, landmarks in faces]
        run_rng = random.Random(f"{settings.seed}:{person}:{':'.join(sorted(p.sha for p in group))}")
        face_rngs = [plan.face_rng(settings.seed, i) for plan, i, _, _ in faces]
        chosen = target_selection.assign_targets(pool_images, own, person or None, settings.target_per_face, run_rng, face_rngs)
        for plan in group:
            plan.targets = []
        for (plan, _, _, _), features in zip(faces, chosen):
            plan.targets.append(features)


def _cloak_batch(group: list[PhotoPlan], number: int, count: int, settings: CloakSettings, mode: Mode, extractors, names,
                 device, cache_dir: Path, job: Job) -> None:
    """Optimise one batch of photos' faces together, then write, report and cache each photo."""
    started = time.monotonic()
    pixels = [load_rgb(p.source) for p in group]
    faces = [(p, i, item) for p, rgb in zip(group, pixels) for i, item in enumerate(p.contexts(rgb, mode.version))]
    batch = FaceBatch(*(list(x) for x in zip(*(item for _, _, item in faces))), mode.version, device, as_written=not settings.strict_budget)
    label = ", ".join(p.source.name for p in group)

    def on_step(step: int) -> None:
        job.step("Cloaking", number * mode.steps + step, count * mode.steps, f"step {step} of {mode.steps}: {label}")

    job.step("Cloaking", number * mode.steps, count * mode.steps, f"starting: {label}")  # the optimisation begins
    if mode.version == "0.3":
        targets = [torch.stack([p.targets[i][k] for p, i, _ in faces]).to(device) for k in range(len(extractors))]
        result = cloak_towards(batch, extractors, targets, mode, on_step, strict=settings.strict_budget)
    else:
        generators = [torch.Generator().manual_seed(int(p.face_rng(settings.seed, i).getrandbits(63))) for p, i, _ in faces]
        result = cloak_away(batch, extractors, mode, generators, on_step)
    changes = batch.changes(result.crops)
    limit = mode.threshold if settings.strict_budget else None

    offset, written = 0, []
    for plan, rgb in zip(group, pixels):
        n = len(plan.faces)
        written.append(write_faces(rgb, plan.regions(mode.version), changes[offset : offset + n], mode.version, limit))
        offset += n
    shifts = _feature_shifts(group, [w[0] for w in written], batch, result.source_features, extractors, names, mode.version)
    seconds = time.monotonic() - started
    for plan, rgb, (cloaked, distortions, note), shift in zip(group, pixels, written, shifts):
        save_rgb_atomic(plan.output, cloaked)
        plan.report = CloakReport(plan.source, plan.output, len(plan.faces), max(distortions), psnr(rgb, cloaked),
                                  int(abs(cloaked.astype(int) - rgb).max()), shift,
                                  plan.prepare_seconds + seconds * len(plan.faces) / batch.size,
                                  variant=settings.variant, view=VIEW_NAME[mode.version], note=note)
        cache.store(cache_dir, plan)
    job.step("Cloaking", (number + 1) * mode.steps, count * mode.steps, f"{label} done")


def _feature_shifts(plans: list[PhotoPlan], cloaked_photos, batch: FaceBatch, source_features, extractors, names, version: str) -> list[dict[str, float]]:
    """Per photo: the mean over its faces of ‖f̂(cloaked) − f̂(original)‖ with L2-normalised features."""
    height, width = batch.contexts.shape[2:]
    contexts = []
    for plan, cloaked in zip(plans, cloaked_photos):
        for region in plan.regions(version):
            l, t, r, b = region.context
            context = torch.from_numpy(cloaked[t:b, l:r].copy()).permute(2, 0, 1).float()
            contexts.append(F.pad(context, (0, width - (r - l), 0, height - (b - t))))
    features = embed(extractors, torch.stack(contexts).to(batch.device), batch.landmarks)
    distances = [torch.linalg.vector_norm(F.normalize(f, dim=1) - F.normalize(s, dim=1), dim=1).cpu() for f, s in zip(features, source_features)]
    shifts, offset = [], 0
    for plan in plans:
        n = len(plan.faces)
        shifts.append({name: float(d[offset : offset + n].mean()) for name, d in zip(names, distances)})
        offset += n
    return shifts
