"""The speed part of bench_cloaking.py: the extractor floor and the engine's cost per face-step.

The engine's time per face-step leaves out its start-up: everything before its first optimisation
step begins (reading the photos, finding the faces, choosing the targets, setting up the first
batch), printed beside it per photo, and the detection it contains, measured apart.

On the CPU both are timed in process CPU seconds divided by the thread count (on a machine others
share, wall time swings ±30% between the floor and the engine, CPU time much less); wall seconds
are printed beside them. On CUDA both are wall seconds.
"""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from core.cloaking.engine import CloakSettings, cloak_photos, load_extractor
from core.cloaking.extractors import run_flushed
from core.cloaking.modes import get_mode
from core.cloaking.plan import batches
from core.faces import detect_faces
from core.images import load_rgb
from core.jobs import Job

CASES = (("0.3.1 min", "0.3", "min", "min_photos", 2.0), ("0.3.1 high", "0.3", "high", "high_photos", 1.4), ("1.0 mid", "1.0", "mid", "mid_photos", 1.4))
FLOOR_REPEATS = 10
SPEED_SEED = 1013


def clock(device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
        return time.perf_counter()
    return time.process_time() / torch.get_num_threads()


def extractor_floor(photos, names, device, batch_size: int) -> float:
    """Seconds per face-step of forward+backward of the extractors alone, on a batch of real faces."""
    images, landmarks = [], []
    for photo in photos[:batch_size]:
        rgb = load_rgb(photo)
        face = detect_faces(rgb)[0]
        images.append(torch.from_numpy(rgb.copy()).permute(2, 0, 1).float())
        landmarks.append(face.landmarks)
    while len(images) < batch_size:
        images, landmarks = images + images[: batch_size - len(images)], landmarks + landmarks[: batch_size - len(landmarks)]
    batch = torch.stack(images).to(device)
    marks = torch.as_tensor(np.stack(landmarks), dtype=torch.float32, device=device)
    extractors = [load_extractor(n, device) for n in names]
    def time_it() -> list[float]:
        timings = []
        for _ in range(FLOOR_REPEATS + 1):
            x = batch.clone().requires_grad_(True)
            started = clock(device)
            loss = sum(e(x, marks).sum() for e in extractors)
            loss.backward()
            timings.append(clock(device) - started)
        return timings

    timings = run_flushed(time_it)  # as the engine runs them
    return min(timings[1:]) / batch_size


def speed(photos, pool, person_of, args, out: Path, cache: Path, device) -> dict:
    names = ["dlib"]
    # the floor is timed before and after every case and its least value kept: the machine's load swings
    floors = [extractor_floor(photos, names, device, args.batch_size)]
    kind = "wall seconds" if device.type == "cuda" else "process CPU seconds / threads"
    timed = []
    at_batch: dict[int, list[float]] = {}  # the floor at the batch sizes the engine ran with
    for label, version, mode, count_arg, goal in CASES:
        chosen = photos[: getattr(args, count_arg)]
        if not chosen:
            continue
        started = clock(device)
        faces_per_photo = [len(detect_faces(load_rgb(p))) for p in chosen]
        detection = clock(device) - started
        faces = sum(faces_per_photo)
        steps = get_mode(version, mode).steps
        # another seed than the strength part's: its cloaks are not in the cache, the target pool is
        settings = CloakSettings(version=version, mode=mode, device=args.device, batch_size=args.batch_size, cache_dir=cache, seed=SPEED_SEED)
        first_step = _FirstStep(device)
        started, wall_started = clock(device), time.perf_counter()
        reports = cloak_photos(chosen, out / f"speed-{version}-{mode}", settings, Job(first_step), pool=pool, person_of=person_of)
        spent, wall = clock(device) - started, time.perf_counter() - wall_started
        if first_step.at is None:
            raise SystemExit(f"{label}: the engine ran no optimisation step (were all the photos in its cache?); nothing to time.")
        startup = first_step.at - started
        per_face_step = max(spent - startup, 1e-9) / (faces * steps)
        floors.append(extractor_floor(photos, names, device, args.batch_size))
        with_faces = [_Faces(n) for n in faces_per_photo if n]  # as the engine batches them: photos with faces
        sizes = [sum(len(f.faces) for f in group) for group in batches(with_faces, args.batch_size)]
        for size in set(sizes) - {args.batch_size}:
            at_batch.setdefault(size, []).append(extractor_floor(photos, names, device, size))
        timed.append((label, goal, chosen, faces, detection, startup, wall, per_face_step, sizes, [r.problem for r in reports if r.problem]))
    floor = min(floors)
    at_batch = {size: min(values) for size, values in at_batch.items()} | {args.batch_size: floor}
    print(f"\nspeed ({kind}): extractor floor (dlib forward+backward, batch {args.batch_size}): {floor * 1000:.2f} ms per face-step "
          f"(least of {len(floors)} timings: {', '.join(f'{f * 1000:.1f}' for f in floors)})")
    figures = {"floor_s_per_face_step": floor}
    for label, goal, chosen, faces, detection, startup, wall, per_face_step, sizes, problems in timed:
        ratio = per_face_step / floor
        # the network alone on batches of the sizes this case had (3 photos: one batch of 3 faces)
        own_floor = sum(n * at_batch[n] for n in sizes) / sum(sizes)
        print(f"  {label:10s}: {wall / len(chosen):6.2f} s per photo (wall) over {len(chosen)} photos ({faces} faces; start-up "
              f"{startup / len(chosen):.2f} s per photo, detection measured apart {detection / len(chosen):.2f}); "
              f"{per_face_step * 1000:6.2f} ms per face-step; "
              f"ratio {ratio:4.2f} (goal ≤ {goal})" + (f"; problems: {problems}" if problems else ""))
        print(f"  {'':10s}  batches of {' + '.join(map(str, sizes))} faces: the network alone costs {own_floor * 1000:.2f} ms per face-step "
              f"there, ratio {per_face_step / own_floor:4.2f} against that")
        figures[label] = {"s_per_photo": wall / len(chosen), "s_per_face_step": per_face_step, "ratio": ratio,
                          "startup_s_per_photo": startup / len(chosen), "detection_s_per_photo": detection / len(chosen),
                          "batches": sizes, "floor_s_per_face_step_at_batches": own_floor, "ratio_at_batches": per_face_step / own_floor}
    return figures


class _FirstStep:
    """A job's progress listener that notes the clock when the optimisation's first step begins."""

    def __init__(self, device):
        self.device, self.at = device, None

    def __call__(self, progress) -> None:
        if self.at is None and progress.stage == "Cloaking":
            self.at = clock(self.device)


class _Faces:
    """What ``plan.batches`` needs of a photo: its faces."""

    def __init__(self, count: int):
        self.faces = [None] * count
