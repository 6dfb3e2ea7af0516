"""How much a cloaked photo differs from its original, from the two files alone: for cloaks made by any
tool (ours, the original Fawkes, a folder imported from elsewhere)."""
from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import torch

from ..conditions import Imported
from ..datasets import Dataset
from ..faces import detect_faces
from ..images import UnusableImage, load_rgb
from ..jobs import NO_JOB, Job
from ..pairing import pair_cloaks
from ..split import Split
from .crops import budget_square, face_region
from .dssim import dssim
from .engine import CloakReport

NAMED_BY_V031 = re.compile(r"_(?:min|low|mid|high|ultra|custom)_cloaked$", re.IGNORECASE)  # 0.3.1 names the mode


def compare_photos(original: Path, cloaked: Path, version: str = "0.3") -> CloakReport:
    """DSSIM (largest over the original's faces, on the version's budget view), PSNR over the photo and
    the largest change; raises ``UnusableImage`` when the cloak is unreadable or not the original's size."""
    before, after = load_rgb(original), load_rgb(cloaked)
    if before.shape != after.shape:
        raise UnusableImage(cloaked, f"is {after.shape[1]}×{after.shape[0]} pixels, its original {original.name} "
                                     f"{before.shape[1]}×{before.shape[0]}: not a cloak of it")
    faces = detect_faces(before)
    distortions = []
    for face in faces:
        left, top, right, bottom = face_region(face.box, *before.shape[:2], version, len(faces)).crop
        crops = [torch.from_numpy(x[top:bottom, left:right].copy()).permute(2, 0, 1).double() for x in (after, before)]
        fill = crops[1].mean(dim=(1, 2))
        views = torch.stack([budget_square(c, version, fill) for c in crops])
        distortions.append(float(dssim(views[:1], views[1:])[0]))
    difference = after.astype(np.float64) - before
    mse = float((difference**2).mean())
    psnr = math.inf if mse == 0 else 10 * math.log10(255**2 / mse)
    return CloakReport(original, cloaked, len(faces), max(distortions, default=math.nan), psnr,
                       int(np.abs(difference).max()), {}, 0.0)


def compare_imported(folder: Path, dataset: Dataset, split: Split, job: Job = NO_JOB) -> list[CloakReport]:
    """One report per training photo of ``split`` that ``folder`` holds a cloak of (paired as the study
    pairs them, ``core.pairing``); a cloak that cannot be compared gets its reason instead."""
    folder = Path(folder).expanduser()
    wanted = [r for files in split.train.values() for r in files]
    pairing = pair_cloaks(Imported(folder).files(), folder, [dataset.relative(p.path) for p in dataset.photos], set(wanted))
    for note in pairing.notes:
        job.note(note)
    pairs = [(dataset.root / r, pairing.cloak_of[r]) for r in wanted if r in pairing.cloak_of]
    reports = []
    for i, (original, cloak) in enumerate(pairs):
        job.step("Measuring the imported cloaks", i, len(pairs), cloak.name)
        try:
            reports.append(compare_photos(original, cloak, "0.3" if NAMED_BY_V031.search(cloak.stem) else "1.0"))
        except UnusableImage as exc:
            reports.append(CloakReport(original, None, 0, math.nan, math.nan, 0, {}, 0.0, str(exc)))  # names the cloak
    job.step("Measuring the imported cloaks", len(pairs), len(pairs))
    return reports
