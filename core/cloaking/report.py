"""What cloaking (or measuring) one photo gave, and ``cloak_report.csv``."""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..atomic import write_text_atomic

REPORT_NAME = "cloak_report.csv"


@dataclass
class CloakReport:
    source: Path
    output: Path | None
    faces: int
    dssim: float  # the largest over the photo's faces, on the original's budget view
    psnr: float  # over the whole photo, dB (inf when nothing changed)
    max_change: int  # largest change of any pixel channel, grey levels
    feature_shift: dict[str, float]  # extractor -> mean over faces of ‖f̂(cloaked) − f̂(original)‖ (normalised features)
    seconds: float
    problem: str | None = None
    cached: bool = False
    variant: str = ""  # which engine made it ("as the original wrote it", "strict budget"); "" when not ours
    view: str = ""  # the budget view the DSSIM was measured on
    note: str = ""  # anything else the user should know about this cloak


def problem_report(source: Path, reason: str, faces: int = 0, seconds: float = 0.0, variant: str = "") -> CloakReport:
    return CloakReport(source, None, faces, math.nan, math.nan, 0, {}, seconds, reason, variant=variant)


def psnr(original: np.ndarray, cloaked: np.ndarray) -> float:
    mse = float(((np.asarray(cloaked, np.float64) - original) ** 2).mean())
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


def write_csv(out_dir: Path, reports: list[CloakReport], names: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["photo", "output", "faces", "dssim", "psnr", "max_change", *(f"shift_{n}" for n in names),
                     "seconds", "cached", "variant", "view", "note", "problem"])
    for r in reports:
        writer.writerow([
            str(r.source), r.output.relative_to(out_dir).as_posix() if r.output else "", r.faces,
            "" if math.isnan(r.dssim) else f"{r.dssim:.6f}", "" if math.isnan(r.psnr) else f"{r.psnr:.2f}", r.max_change,
            *(f"{r.feature_shift[n]:.4f}" if n in r.feature_shift else "" for n in names),
            f"{r.seconds:.2f}", "yes" if r.cached else "no", r.variant, r.view, r.note, r.problem or "",
        ])
    write_text_atomic(out_dir / REPORT_NAME, buffer.getvalue())
