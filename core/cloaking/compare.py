"""How much a cloaked photo differs from its original, from the two files alone: for cloaks made by any
tool (ours, the original Fawkes, a folder imported from elsewhere).

DSSIM is measured on the view the original Fawkes budgeted (``crops.BudgetView``: 224 px for 0.3.1,
112 px for 1.0), largest over the original's faces. Which version's view: the name says it when it
carries 0.3.1's mode (``_min_cloaked``); otherwise the cloak's footprint does (0.3.1 changes a margin
around the face, 1.0 only the face box).
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np

from ..atomic import write_text_atomic
from ..conditions import Imported
from ..datasets import Dataset
from ..faces import detect_faces
from ..images import IMAGE_SUFFIXES, UnusableImage, load_rgb
from ..jobs import NO_JOB, Job
from ..pairing import pair_cloaks
from ..split import Split
from .crops import VIEW_NAME, budget_dssim, face_region, photo_tensor
from .report import CloakReport, problem_report, psnr

NAMED_BY_V031 = re.compile(r"_(?:min|low|mid|high|ultra|custom)_cloaked$", re.IGNORECASE)  # 0.3.1 names the mode
OUTSIDE_BOX_SHARE = 0.05  # of the changed pixels, outside every face box: a 0.3.1 cloak
COMPARE_COLUMNS = ["original", "cloak", "dssim", "psnr_db", "largest_change", "view", "faces", "problem"]


def version_of(cloaked: Path, before: np.ndarray, after: np.ndarray, faces) -> tuple[str, str]:
    """("0.3" or "1.0", how it was decided) for a cloak whose maker is not known."""
    if NAMED_BY_V031.search(cloaked.stem):
        return "0.3", "by its name"
    changed = np.any(before != after, axis=2)
    total = int(changed.sum())
    if total == 0 or not faces:
        return "1.0", "by its name"
    inside = np.zeros_like(changed)
    for face in faces:
        l, t, r, b = face_region(face.box, *before.shape[:2], "1.0", len(faces)).crop
        inside[t:b, l:r] = True
    outside = int((changed & ~inside).sum())
    return ("0.3" if outside > OUTSIDE_BOX_SHARE * total else "1.0"), "by its footprint"


def compare_photos(original: Path, cloaked: Path, version: str | None = None) -> CloakReport:
    """DSSIM (largest over the original's faces, on the version's budget view; ``None``: decided from
    the cloak), PSNR over the photo and the largest change; raises ``UnusableImage`` when the cloak is
    unreadable or not the original's size."""
    before, after = load_rgb(original), load_rgb(cloaked)
    if before.shape != after.shape:
        raise UnusableImage(cloaked, f"is {after.shape[1]}×{after.shape[0]} pixels, its original {original.name} "
                                     f"{before.shape[1]}×{before.shape[0]}: not a cloak of it")
    faces = detect_faces(before)
    how = "as asked"
    if version is None:
        version, how = version_of(cloaked, before, after, faces)
    regions = [face_region(face.box, *before.shape[:2], version, len(faces)) for face in faces]
    distortions = budget_dssim(photo_tensor(before), photo_tensor(after), regions, version)
    largest = int(np.abs(after.astype(np.int16) - before).max())
    return CloakReport(original, cloaked, len(faces), max(distortions, default=math.nan), psnr(before, after), largest, {}, 0.0,
                       None if faces else "no face found in the original", view=f"{VIEW_NAME[version]}, {how}")


def compare_pairs(pairs: list[tuple[Path, Path]], job: Job = NO_JOB, stage: str = "Measuring the cloaks") -> list[CloakReport]:
    """One report per (original, cloak); a cloak that cannot be compared gets its reason instead."""
    reports = []
    for i, (original, cloak) in enumerate(pairs):
        job.step(stage, i, len(pairs), cloak.name)
        try:
            reports.append(compare_photos(original, cloak))
        except UnusableImage as exc:
            reports.append(problem_report(original, str(exc)))  # names the cloak
    job.step(stage, len(pairs), len(pairs))
    return reports


def pair_folders(originals: Path, cloaks: Path) -> tuple[list[tuple[Path, Path]], list[Path]]:
    """(original, cloak) pairs matched as the study matches them, and the cloaks that match nothing."""
    originals, cloaks = Path(originals), Path(cloaks)
    photos = sorted(p for p in originals.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and "_cloaked" not in p.stem)
    files = Imported(cloaks).files()
    pairing = pair_cloaks(files, cloaks, [p.relative_to(originals).as_posix() for p in photos])
    pairs = [(p, pairing.cloak_of[p.relative_to(originals).as_posix()]) for p in photos
             if p.relative_to(originals).as_posix() in pairing.cloak_of]
    used = {c for _, c in pairs}
    return pairs, [c for c in files if c not in used]


def compare_imported(folder: Path, dataset: Dataset, split: Split, job: Job = NO_JOB) -> list[CloakReport]:
    """One report per training photo of ``split`` that ``folder`` holds a cloak of (paired as the study
    pairs them, ``core.pairing``); a cloak that cannot be compared gets its reason instead."""
    folder = Path(folder).expanduser()
    wanted = [r for files in split.train.values() for r in files]
    pairing = pair_cloaks(Imported(folder).files(), folder, [dataset.relative(p.path) for p in dataset.photos], set(wanted))
    for note in pairing.notes:
        job.note(note)
    pairs = [(dataset.root / r, pairing.cloak_of[r]) for r in wanted if r in pairing.cloak_of]
    return compare_pairs(pairs, job, "Measuring the imported cloaks")


def write_compare_csv(path: Path, reports: list[CloakReport], pairs: list[tuple[Path, Path]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COMPARE_COLUMNS)
    for report, (original, cloak) in zip(reports, pairs):
        ok = report.problem is None or report.output is not None
        writer.writerow([str(original), str(cloak),
                         f"{report.dssim:.6f}" if ok and not math.isnan(report.dssim) else "",
                         f"{report.psnr:.2f}" if ok and not math.isnan(report.psnr) else "",
                         report.max_change if ok else "", report.view, report.faces, report.problem or ""])
    write_text_atomic(path, buffer.getvalue())


def means(reports: list[CloakReport]) -> dict[str, float]:
    """Mean DSSIM, PSNR (finite ones) and largest change over the reports that measured something."""
    done = [r for r in reports if r.output is not None and not math.isnan(r.dssim)]
    if not done:
        return {}
    finite = [r.psnr for r in done if math.isfinite(r.psnr)]
    return {"dssim": sum(r.dssim for r in done) / len(done), "psnr_db": sum(finite) / len(finite) if finite else math.inf,
            "largest_change": sum(r.max_change for r in done) / len(done), "photos": len(done)}
