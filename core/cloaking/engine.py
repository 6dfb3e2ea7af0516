"""Cloak photos with our rebuild of Fawkes: the one entry point the GUI, the command line and the
study use.

Per photo: read it (EXIF applied), find every face, optimise each face's crop at full resolution
against the chosen extractors (faces of several photos are batched), add the change to the photo only
around the faces, keep each face within its version's DSSIM budget (measured on the 224/112 view the
specification defines, after rounding to 8 bits), write a PNG named as the original versions did, and
report faces, DSSIM, PSNR, largest change, feature shift and time. ``cloak_report.csv`` sums it up.
The same photo bytes with the same settings and seed reuse the earlier cloak from a cache.
"""
from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
import math
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..faces import Face, detect_faces
from ..images import UnusableImage, load_rgb, save_rgb_atomic, write_bytes_atomic, write_text_atomic
from ..jobs import NO_JOB, Job
from ..models.base import FaceEmbedder
from ..models.zoo import user_data_dir
from ..torch_threads import torch_threads
from . import targets as target_selection
from .crops import FaceRegion, budget_square, face_region
from .dssim import Reference
from .fawkes_v031 import cloak_towards
from .fawkes_v10 import cloak_away
from .modes import MODES, Mode, get_mode, normalise_version
from .optimise import FaceBatch

__all__ = ["CloakSettings", "CloakReport", "cloak_photos", "describe_mode", "seconds_per_face", "MODES", "EXTRACTORS", "REPORT_NAME"]

ENGINE_REVISION = "2"  # part of every cache key: change it when a code change alters the cloaks
REPORT_NAME = "cloak_report.csv"
# extractor name -> module under core.models holding a FaceEmbedder with that ``name``
EXTRACTORS = {"dlib": "dlib_resnet", "mobileface": "mobileface", "faceres": "faceres"}
GUARD_SHRINK = 0.9  # a face over budget after rounding: its change is scaled down by this, repeatedly
GUARD_TRIES = 40


@dataclass
class CloakSettings:
    version: str = "0.3"  # "0.3" (0.3.1, targeted) or "1.0" (1.0.2, untargeted)
    mode: str = "min"
    extractors: tuple[str, ...] = ("dlib",)
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
    target_pool: Path | None = None  # 0.3.1: a dataset folder of other people; None: the ``pool`` argument
    target_per_face: bool = True  # 0.3.1: a target identity per face (else one per person and run)
    custom: dict | None = None  # mode "custom": {"th", "steps", "lr", "c"}
    batch_size: int = 8  # faces optimised together
    cache_dir: Path | None = None  # None: the app's data folder, so the Cloaking tab's cloaks serve the study too

    def mode_spec(self) -> Mode:
        return get_mode(self.version, self.mode, self.custom)


@dataclass
class CloakReport:
    source: Path
    output: Path | None
    faces: int
    dssim: float  # the largest over the photo's faces, as the specification measures it
    psnr: float  # over the whole photo, dB (inf when nothing changed)
    max_change: int  # largest change of any pixel channel, grey levels
    feature_shift: dict[str, float]  # extractor -> mean over faces of ‖f̂(cloaked) − f̂(original)‖ (normalised features)
    seconds: float
    problem: str | None = None
    cached: bool = False


def output_name(photo: Path, settings: CloakSettings) -> str:
    if normalise_version(settings.version) == "0.3":
        return f"{photo.stem}_{settings.mode}_cloaked.png"
    return f"{photo.stem}_cloaked.png"


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was asked for, but PyTorch sees no usable GPU here; use --device cpu or auto.")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"Unknown device '{name}': use auto, cpu or cuda.")
    return torch.device(name)


_extractor_cache: dict[tuple[str, str], FaceEmbedder] = {}
_extractor_lock = threading.Lock()


def load_extractor(name: str, device: torch.device) -> FaceEmbedder:
    """The named extractor in eval mode with frozen weights (only the image gets gradients)."""
    if name not in EXTRACTORS:
        raise ValueError(f"Unknown extractor '{name}': use {', '.join(EXTRACTORS)}.")
    with _extractor_lock:
        key = (name, str(device))
        if key not in _extractor_cache:
            module = importlib.import_module(f"core.models.{EXTRACTORS[name]}")
            classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, FaceEmbedder) and c.name == name]
            if not classes:
                raise RuntimeError(f"core.models.{EXTRACTORS[name]} has no '{name}' face embedder.")
            model = classes[0]().to(device).eval()
            model.requires_grad_(False)
            _extractor_cache[key] = model
        return _extractor_cache[key]


# ---------------------------------------------------------------------------------------------
# Mode descriptions for the GUI

# Seconds per face and optimisation step, measured by the last run on each kind of device; until then
# the CPU figure from bench/bench_cloaking.py (dlib extractor) and a guess for CUDA (no GPU measured yet).
_step_seconds = {"cpu": 0.035, "cuda": 0.004}


def seconds_per_face(version: str, mode: str, extractors: int = 1, custom: dict | None = None) -> float:
    """About how long one face takes on this computer (the last run's pace, else the bench figure)."""
    spec = get_mode(version, mode, custom if mode == "custom" else None)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return 0.3 + spec.steps * _step_seconds[device] * max(1, extractors)


def describe_mode(version: str, mode: str, extractors: int = 1) -> str:
    """One plain sentence about the mode, with the time it should take per photo on this computer."""
    spec = get_mode(version, mode, {} if mode == "custom" else None)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    seconds = seconds_per_face(version, mode, extractors)
    when = f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
    return f"{spec.summary} (DSSIM budget {spec.threshold:g}); about {when} per face on this computer's {'GPU' if device == 'cuda' else 'CPU'}."


# ---------------------------------------------------------------------------------------------
# The run


@dataclass
class _Photo:
    source: Path
    output: Path
    sha: str
    person: str
    key: str = ""
    faces: list[Face] = field(default_factory=list)
    shape: tuple[int, int] = (0, 0)
    prepare_seconds: float = 0.0
    targets: list[list[torch.Tensor]] = field(default_factory=list)  # per face, per extractor
    report: CloakReport | None = None


def cloak_photos(
    photos: list[Path],
    out_dir: Path,
    settings: CloakSettings,
    job: Job = NO_JOB,
    pool: dict[str, list[Path]] | None = None,
    person_of: dict[Path, str] | None = None,
) -> list[CloakReport]:
    """Cloak ``photos`` into ``out_dir``; one report per photo, in order.

    ``pool``: 0.3.1 target identities (identity -> photos), used when ``settings.target_pool`` is not
    set; ``person_of``: who each photo shows (their own identity is left out of the pool, and target
    choice looks at all of a person's faces). Without it all photos are taken to show one person.
    A cancel request stops between steps; photos finished by then are written and reported.
    """
    mode = settings.mode_spec()
    device = resolve_device(settings.device)
    names = list(dict.fromkeys(settings.extractors))
    if not names:
        raise ValueError("Choose at least one extractor to cloak against.")
    for name in names:
        if name not in EXTRACTORS:
            raise ValueError(f"Unknown extractor '{name}': use {', '.join(EXTRACTORS)}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache_dir = Path(settings.cache_dir) if settings.cache_dir else user_data_dir() / "cloak-cache"
    person_of = {Path(k): v for k, v in (person_of or {}).items()}

    entries = _plan(photos, out_dir, settings, person_of)
    try:
        pending = _reuse_cached(entries, cache_dir, settings, mode, names, job, pool)
        if pending:
            # The machine's thread count, whatever other work set: with the seed, it fixes the cloak bit for bit.
            with torch_threads():
                extractors = [load_extractor(n, device) for n in names]
                _find_faces(pending, job)
                with_faces = [e for e in pending if e.report is None]
                if mode.version == "0.3" and with_faces:
                    _choose_targets(with_faces, settings, extractors, names, device, cache_dir, pool, job)
                _optimise_all(with_faces, settings, mode, extractors, names, device, cache_dir, job, len(entries))
    finally:
        reports = [e.report for e in entries if e.report is not None]
        _write_csv(out_dir, reports, names)
    return reports


def _plan(photos, out_dir: Path, settings: CloakSettings, person_of) -> list[_Photo]:
    """Output paths (flat, or mirroring sub-folders when names would collide) and a report for
    photos that are unreadable or are themselves cloaks."""
    photos = [Path(p) for p in photos]
    stems = [p.stem for p in photos]
    flat = len(set(stems)) == len(stems)
    root = Path(os.path.commonpath([str(p.parent.resolve()) for p in photos])) if photos else Path()
    entries = []
    for photo in photos:
        relative = Path() if flat else photo.parent.resolve().relative_to(root)
        entry = _Photo(photo, out_dir / relative / output_name(photo, settings), "", person_of.get(photo, ""))
        if "_cloaked" in photo.stem:
            entry.report = _problem(entry, "already a cloaked photo (its name contains _cloaked); skipped")
        else:
            try:
                entry.sha = hashlib.sha256(photo.read_bytes()).hexdigest()
            except OSError as exc:
                entry.report = _problem(entry, f"cannot read the file ({exc.strerror or exc})")
        entries.append(entry)
    return entries


def _problem(entry: _Photo, reason: str, faces: int = 0, seconds: float = 0.0) -> CloakReport:
    return CloakReport(entry.source, None, faces, math.nan, math.nan, 0, {}, seconds, reason)


def _cache_key(entry: _Photo, entries: list[_Photo], settings, mode: Mode, names, device_type: str, pool_key: str) -> str:
    recipe = {
        "engine": ENGINE_REVISION,
        "mode": mode.as_dict(),
        "extractors": names,
        "seed": settings.seed,
        "device": device_type,
        "photo": entry.sha,
    }
    if mode.version == "0.3":
        # The target depends on the pool and on all of this person's faces in the run.
        recipe["pool"] = pool_key
        recipe["person"] = entry.person
        recipe["per_face"] = settings.target_per_face
        recipe["person_photos"] = sorted(e.sha for e in entries if e.person == entry.person and e.sha)
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def _pool_paths(settings: CloakSettings, pool, job: Job) -> dict[str, list[Path]]:
    if settings.target_pool:
        from ..datasets import open_dataset

        dataset = open_dataset(settings.target_pool, job, check_images=False)
        return {person: [p.path for p in photos] for person, photos in dataset.people().items()}
    if not pool:
        raise ValueError("Fawkes 0.3.1 moves faces towards another identity: choose a target pool (a folder of other people's photos).")
    return {k: [Path(p) for p in v] for k, v in pool.items()}


def _reuse_cached(entries, cache_dir: Path, settings, mode: Mode, names, job: Job, pool) -> list[_Photo]:
    device_type = resolve_device(settings.device).type
    pool_key = ""
    if mode.version == "0.3" and any(e.report is None for e in entries):
        settings_pool = _pool_paths(settings, pool, job)
        pool_key = target_selection.pool_fingerprint(settings_pool, names)
    pending = []
    for entry in entries:
        if entry.report is not None:
            continue
        entry.key = _cache_key(entry, entries, settings, mode, names, device_type, pool_key)
        started = time.monotonic()
        cached_png, cached_json = cache_dir / f"{entry.key}.png", cache_dir / f"{entry.key}.json"
        if cached_png.is_file() and cached_json.is_file():
            data = cached_png.read_bytes()
            if not entry.output.is_file() or entry.output.read_bytes() != data:
                write_bytes_atomic(entry.output, data)
            saved = json.loads(cached_json.read_text(encoding="utf-8"))
            entry.report = CloakReport(entry.source, entry.output, saved["faces"], saved["dssim"], saved["psnr"], saved["max_change"], saved["feature_shift"], time.monotonic() - started, None, True)
        else:
            pending.append(entry)
    return pending


def _find_faces(entries: list[_Photo], job: Job) -> None:
    for i, entry in enumerate(entries):
        job.step("Finding faces", i, len(entries), entry.source.name)
        started = time.monotonic()
        try:
            rgb = load_rgb(entry.source)
        except UnusableImage as exc:
            entry.report = _problem(entry, exc.reason)
            continue
        entry.shape = rgb.shape[:2]
        entry.faces = detect_faces(rgb)
        entry.prepare_seconds = time.monotonic() - started
        if not entry.faces:
            entry.report = _problem(entry, "no face found; not written, so it is not mistaken for a protected photo", 0, entry.prepare_seconds)
    job.step("Finding faces", len(entries), len(entries))


def _regions(entry: _Photo, version: str) -> list[FaceRegion]:
    height, width = entry.shape
    return [face_region(face.box, height, width, version, len(entry.faces)) for face in entry.faces]


def _contexts(rgb: np.ndarray, entry: _Photo, version: str):
    """Per face: the context pixels (3, h, w) float, landmarks in context pixels, crop in context pixels."""
    out = []
    for face, region in zip(entry.faces, _regions(entry, version)):
        l, t, r, b = region.context
        context = torch.from_numpy(np.ascontiguousarray(rgb[t:b, l:r])).permute(2, 0, 1).float()
        out.append((context, face.landmarks - [l, t], region.crop_in_context))
    return out


def _face_rng(settings: CloakSettings, entry: _Photo, face: int) -> random.Random:
    return random.Random(f"{settings.seed}:{entry.sha}:{face}")


def _choose_targets(entries, settings, extractors, names, device, cache_dir, pool, job: Job) -> None:
    """Each face's target features (per extractor), from the pool, as section 3 of the specification says."""
    pool_images = target_selection.embed_pool(_pool_paths(settings, pool, job), extractors, names, device, cache_dir, job)
    for problem in pool_images.problems:
        job.note(problem)
    by_person: dict[str, list[_Photo]] = {}
    for entry in entries:
        by_person.setdefault(entry.person, []).append(entry)
    for person, group in by_person.items():
        own_faces = []
        for entry in group:
            rgb = load_rgb(entry.source)
            for context, landmarks, _ in _contexts(rgb, entry, "0.3"):
                with torch.no_grad():
                    lm = torch.as_tensor(landmarks, dtype=torch.float32, device=device)[None]
                    own_faces.append([e(context[None].to(device), lm)[0].cpu() for e in extractors])
        candidates = target_selection.farthest_identities(pool_images, own_faces, person or None)
        run_rng = random.Random(f"{settings.seed}:{person}:{':'.join(sorted(e.sha for e in group))}")
        run_identity = None if settings.target_per_face else target_selection.choose_identity(candidates, run_rng)
        for entry in group:
            entry.targets = []
            for face in range(len(entry.faces)):
                rng = _face_rng(settings, entry, face)
                identity = run_identity or target_selection.choose_identity(candidates, rng)
                _, features = rng.choice(target_selection.target_photos(pool_images, identity, rng))
                entry.targets.append(features)


def _batches(entries: list[_Photo], batch_size: int) -> list[list[_Photo]]:
    """Whole photos per batch, about ``batch_size`` faces each."""
    batches, current, faces = [], [], 0
    for entry in entries:
        if current and faces + len(entry.faces) > batch_size:
            batches.append(current)
            current, faces = [], 0
        current.append(entry)
        faces += len(entry.faces)
    if current:
        batches.append(current)
    return batches


def _optimise_all(entries, settings, mode: Mode, extractors, names, device, cache_dir: Path, job: Job, total_photos: int) -> None:
    batches = _batches(entries, max(1, settings.batch_size))
    total_steps = len(batches) * mode.steps
    finished = 0
    for number, batch_entries in enumerate(batches):
        started = time.monotonic()
        pixels = [load_rgb(e.source) for e in batch_entries]
        faces = [(e, i, item) for e, rgb in zip(batch_entries, pixels) for i, item in enumerate(_contexts(rgb, e, mode.version))]
        batch = FaceBatch([f[2][0] for f in faces], [f[2][1] for f in faces], [f[2][2] for f in faces], mode.version, device)
        label = ", ".join(e.source.name for e in batch_entries)

        def on_step(step: int) -> None:
            job.step("Cloaking", number * mode.steps + step, total_steps, f"step {step} of {mode.steps}: {label}")

        if mode.version == "0.3":
            target_features = [torch.stack([e.targets[i][k] for e, i, _ in faces]).to(device) for k in range(len(extractors))]
            result = cloak_towards(batch, extractors, target_features, mode, on_step)
        else:
            generators = [torch.Generator().manual_seed(int(_face_rng(settings, e, i).getrandbits(63))) for e, i, _ in faces]
            result = cloak_away(batch, extractors, mode, generators, on_step)
        optimise_seconds = time.monotonic() - started
        _step_seconds[device.type] = optimise_seconds / max(1, mode.steps * batch.size)

        finish_started = time.monotonic()
        offset, finals = 0, []
        for entry, rgb in zip(batch_entries, pixels):
            n = len(entry.faces)
            changes = [(result.crops[offset + i] - batch.source[offset + i]).detach().cpu() for i in range(n)]
            limits = [max(mode.budget_limit, float(result.dssim[offset + i])) for i in range(n)]
            finals.append(_apply_within_budget(entry, rgb, changes, limits, mode))
            offset += n
        shifts = _feature_shifts(batch_entries, finals, batch, result.source_features, extractors, names, mode.version)
        for entry, (cloaked, original, distortions), shift in zip(batch_entries, finals, shifts):
            difference = cloaked - original
            mse = float((difference**2).mean())
            psnr = math.inf if mse == 0 else 10 * math.log10(255**2 / mse)
            save_rgb_atomic(entry.output, cloaked.permute(1, 2, 0).to(torch.uint8).numpy())
            entry.report = CloakReport(entry.source, entry.output, len(entry.faces), max(distortions), psnr, int(difference.abs().max()), shift, 0.0)
            _store(cache_dir, entry)
        finish_seconds = time.monotonic() - finish_started
        for entry in batch_entries:
            share = len(entry.faces) / batch.size
            entry.report.seconds = entry.prepare_seconds + (optimise_seconds + finish_seconds) * share
            finished += 1
            job.step("Cloaking", (number + 1) * mode.steps, total_steps, f"{entry.source.name} done ({finished} of {total_photos})")


def _apply_within_budget(entry: _Photo, rgb: np.ndarray, changes, limits, mode: Mode):
    """Add each face's change to the full-resolution photo and round to 8 bits; a face that rounding
    pushed over its budget has its change scaled down until it fits. Returns (cloaked, original,
    DSSIM per face), images (3, H, W) float."""
    original = torch.from_numpy(np.array(rgb)).permute(2, 0, 1).float()
    regions = _regions(entry, mode.version)
    scales = [1.0] * len(regions)
    references = []
    for region in regions:
        l, t, r, b = region.crop
        crop = original[:, t:b, l:r]
        fill = crop.mean(dim=(1, 2))
        references.append((fill, Reference(budget_square(crop, mode.version, fill)[None])))

    def compose() -> torch.Tensor:
        total = torch.zeros_like(original)
        for region, change, scale in zip(regions, changes, scales):
            l, t, r, b = region.crop
            total[:, t:b, l:r] += scale * change[:, : b - t, : r - l]
        return torch.clamp(original + total, 0, 255).round()

    def distortions(image: torch.Tensor) -> list[float]:
        out = []
        for region, (fill, reference) in zip(regions, references):
            l, t, r, b = region.crop
            out.append(float(reference.dssim(budget_square(image[:, t:b, l:r], mode.version, fill)[None])[0]))
        return out

    cloaked = compose()
    measured = distortions(cloaked)
    for _ in range(GUARD_TRIES):
        over = [i for i, (d, limit) in enumerate(zip(measured, limits)) if d > limit]
        if not over:
            break
        for i in over:
            scales[i] *= GUARD_SHRINK
        cloaked = compose()
        measured = distortions(cloaked)
    return cloaked, original, measured


def _feature_shifts(entries: list[_Photo], finals, batch: FaceBatch, source_features, extractors, names, version: str) -> list[dict[str, float]]:
    """Per photo: the mean over its faces of ‖f̂(cloaked) − f̂(original)‖ with L2-normalised features,
    one batched pass per extractor."""
    height, width = batch.contexts.shape[2:]
    contexts = []
    for entry, (cloaked, _, _) in zip(entries, finals):
        for region in _regions(entry, version):
            l, t, r, b = region.context
            contexts.append(F.pad(cloaked[:, t:b, l:r], (0, width - (r - l), 0, height - (b - t))))
    with torch.no_grad():
        cloaked_contexts = torch.stack(contexts).to(batch.device)
        distances = [
            torch.linalg.vector_norm(F.normalize(extractor(cloaked_contexts, batch.landmarks), dim=1) - F.normalize(source, dim=1), dim=1).cpu()
            for extractor, source in zip(extractors, source_features)
        ]
    shifts, offset = [], 0
    for entry in entries:
        n = len(entry.faces)
        shifts.append({name: float(d[offset : offset + n].mean()) for name, d in zip(names, distances)})
        offset += n
    return shifts


def _store(cache_dir: Path, entry: _Photo) -> None:
    report = entry.report
    write_bytes_atomic(cache_dir / f"{entry.key}.png", entry.output.read_bytes())
    saved = {k: getattr(report, k) for k in ("faces", "dssim", "psnr", "max_change", "feature_shift")}
    write_text_atomic(cache_dir / f"{entry.key}.json", json.dumps(saved))


def _write_csv(out_dir: Path, reports: list[CloakReport], names: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["photo", "output", "faces", "dssim", "psnr", "max_change", *(f"shift_{n}" for n in names), "seconds", "cached", "problem"])
    for r in reports:
        writer.writerow([
            str(r.source), r.output.relative_to(out_dir).as_posix() if r.output else "", r.faces,
            "" if math.isnan(r.dssim) else f"{r.dssim:.6f}", "" if math.isnan(r.psnr) else f"{r.psnr:.2f}", r.max_change,
            *(f"{r.feature_shift[n]:.4f}" if n in r.feature_shift else "" for n in names),
            f"{r.seconds:.2f}", "yes" if r.cached else "no", r.problem or "",
        ])
    write_text_atomic(out_dir / REPORT_NAME, buffer.getvalue())
