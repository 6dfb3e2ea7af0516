"""The photos of a cloaking run: where each one's cloak goes, its faces, and the batches they are
optimised in."""
from __future__ import annotations

import hashlib
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..faces import Face, detect_faces
from ..images import UnusableImage, load_rgb
from ..jobs import Job
from .crops import FaceRegion, face_region
from .report import CloakReport, problem_report
from .settings import CloakSettings, output_name


@dataclass
class PhotoPlan:
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

    def regions(self, version: str) -> list[FaceRegion]:
        height, width = self.shape
        return [face_region(face.box, height, width, version, len(self.faces)) for face in self.faces]

    def contexts(self, rgb: np.ndarray, version: str):
        """Per face: the context pixels (3, h, w) float, landmarks in context pixels, crop in context pixels."""
        out = []
        for face, region in zip(self.faces, self.regions(version)):
            l, t, r, b = region.context
            context = torch.from_numpy(np.ascontiguousarray(rgb[t:b, l:r])).permute(2, 0, 1).float()
            out.append((context, face.landmarks - [l, t], region.crop_in_context))
        return out

    def face_rng(self, seed: int, face: int) -> random.Random:
        return random.Random(f"{seed}:{self.sha}:{face}")


def plan_photos(photos, out_dir: Path, settings: CloakSettings, person_of: dict[Path, str]) -> list[PhotoPlan]:
    """Output paths (flat, or mirroring sub-folders when names would collide) and a report for
    photos that are unreadable or are themselves cloaks."""
    photos = [Path(p) for p in photos]
    stems = [p.stem for p in photos]
    flat = len(set(stems)) == len(stems)
    root = Path(os.path.commonpath([str(p.parent.resolve()) for p in photos])) if photos else Path()
    plans = []
    for photo in photos:
        relative = Path() if flat else photo.parent.resolve().relative_to(root)
        plan = PhotoPlan(photo, out_dir / relative / output_name(photo, settings), "", person_of.get(photo, ""))
        if "_cloaked" in photo.stem:
            plan.report = problem_report(photo, "already a cloaked photo (its name contains _cloaked); skipped")
        else:
            try:
                plan.sha = hashlib.sha256(photo.read_bytes()).hexdigest()
            except OSError as exc:
                plan.report = problem_report(photo, f"cannot read the file ({exc.strerror or exc})")
        plans.append(plan)
    return plans


def find_faces(plans: list[PhotoPlan], job: Job) -> None:
    for i, plan in enumerate(plans):
        job.step("Finding faces", i, len(plans), plan.source.name)
        started = time.monotonic()
        try:
            rgb = load_rgb(plan.source)
        except UnusableImage as exc:
            plan.report = problem_report(plan.source, exc.reason)
            continue
        plan.shape = rgb.shape[:2]
        plan.faces = detect_faces(rgb)
        plan.prepare_seconds = time.monotonic() - started
        if not plan.faces:
            plan.report = problem_report(plan.source, "no face found; not written, so it is not mistaken for a protected photo", 0, plan.prepare_seconds)
    job.step("Finding faces", len(plans), len(plans))


def batch_share(total: int, batch_size: int) -> int:
    """Faces a batch when ``total`` faces go into as few batches of at most ``batch_size`` as they need,
    evenly (10 at 8: 5)."""
    return -(-total // max(1, -(-total // max(1, batch_size))))


def batches(plans: list[PhotoPlan], batch_size: int) -> list[list[PhotoPlan]]:
    """Whole photos per batch, at most ``batch_size`` faces each where a photo allows, and about even:
    as few batches as the faces need, each filled to their share (one-face photos: 10 at 8 go 5 + 5, not
    8 + 2; a network's cost per face grows steeply below a few faces a batch). With several faces a photo
    the greedy fill can leave a small last batch."""
    share = batch_share(sum(len(plan.faces) for plan in plans), batch_size)
    out, current, faces = [], [], 0
    for plan in plans:
        if current and (faces >= share or faces + len(plan.faces) > batch_size):
            out.append(current)
            current, faces = [], 0
        current.append(plan)
        faces += len(plan.faces)
    if current:
        out.append(current)
    return out
