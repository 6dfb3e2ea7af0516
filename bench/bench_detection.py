"""Could a tracker spot the real Fawkes 0.3.1 cloaks? The cloak detector (``core.detection``) on the clean IMM
training photos (photos 1–5 of every person) against the real cloaks of persons 01–05, high and min, with
folds grouped by person: AUC with its 95% interval (bootstrap over people) and the share of cloaked photos
caught when 1 in 20 clean photos is flagged, both sides re-saved as JPEG 90 (the figure to quote) and on the
files as saved (a warning: JPEG against PNG), for each feature family and both together, with the time taken.
Run: python bench/bench_detection.py [--seed N] [--families network,residual,network+residual]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.detection import Sample, detect_cloaks  # noqa: E402
from core.detection.features import FAMILIES  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
IMM, CLOAKS = SHARED / "imm_face_db", SHARED / "fawkes_v0.3.1_cloaks"


def _samples(mode: str) -> list[Sample]:
    clean = [Sample(p, False, p.name[:2], p.name) for p in sorted(IMM.glob("*.jpg")) if p.stem.split("-")[1][0] != "6"]
    cloaked = [Sample(p, True, p.name[:2], p.name.split("_")[0] + ".jpg") for p in sorted((CLOAKS / mode).glob("*.png"))]
    return clean + cloaked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--families", default="network,residual,network+residual")
    args = parser.parse_args()
    if not IMM.is_dir() or not CLOAKS.is_dir():
        sys.exit(f"needs the shared reference data ({IMM} and {CLOAKS}), which is not on this machine")
    for spelled in args.families.split(","):
        families = tuple(spelled.split("+"))
        assert all(f in FAMILIES for f in families), f"unknown family in {spelled}"
        for mode in ("high", "min"):
            samples = _samples(mode)
            started = time.perf_counter()
            result, _ = detect_cloaks(f"0.3.1 {mode}", samples, args.seed, families)
            seconds = time.perf_counter() - started
            raw = result.as_saved_ci95 or [float("nan")] * 2
            print(f"{spelled:17s} {mode:4s}  JPEG 90 both sides: {result.figures()}  |  as saved (warning): "
                  f"AUC {result.as_saved_auc:.2f} ({raw[0]:.2f}–{raw[1]:.2f})  |  {result.cloaked_photos} cloaked, "
                  f"{result.clean_photos} clean, {result.groups} people, {result.folds} folds, {seconds:.0f} s")
            for line in result.skipped:
                print("    skipped", line)
    print("Interval:", result.interval, "| model:", result.model)


if __name__ == "__main__":
    main()
