"""Speed and size of our Fawkes cloaks, and how they compare with the real Fawkes 0.3.1 output.

CPU by default, 640×480 IMM photos, dlib extractor. Prints:
  * seconds per photo for 0.3.1 min (goal ≤ 1 s) and 0.3.1 high (goal ≤ 15 s), after the target
    pool has been embedded once (that one-off cost is printed separately);
  * DSSIM (as the specification measures it), PSNR and largest change of our min and high cloaks
    next to the real Fawkes 0.3.1 cloaks in ../shared/datasets/fawkes_v0.3.1_cloaks on the same photos.
Run: python bench/bench_cloaking.py [--min-photos 10] [--high-photos 3] [--device cpu]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from core.cloaking.compare import compare_photos  # noqa: E402
from core.cloaking.engine import CloakSettings, cloak_photos, load_extractor, resolve_device  # noqa: E402
from core.cloaking.targets import embed_pool  # noqa: E402
from core.datasets import open_dataset  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
IMM, REAL = SHARED / "imm_face_db", SHARED / "fawkes_v0.3.1_cloaks"


def spec_measures(original: Path, cloaked: Path) -> tuple[float, float, int]:
    """DSSIM on the 0.3.1 224-px crop (largest over faces), PSNR over the photo, largest change."""
    report = compare_photos(original, cloaked, "0.3")
    return report.dssim, report.psnr, report.max_change


def summary(values: list[float]) -> str:
    return f"mean {statistics.mean(values):8.4f}  max {max(values):8.4f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-photos", type=int, default=10)
    parser.add_argument("--high-photos", type=int, default=3)
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    if not IMM.is_dir():
        print(f"needs the IMM photos at {IMM}")
        return 1
    device = resolve_device(args.device)
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    print(f"device: {device} ({torch.get_num_threads()} threads{load}), extractor: dlib, batch {args.batch_size} faces")

    dataset = open_dataset(IMM, check_images=False)
    pool = {person: [p.path for p in photos] for person, photos in dataset.people().items()}
    person_of = {p.path: p.person for p in dataset.photos}
    # the photos the real Fawkes cloaks exist for: persons 01-05, photos 1-5
    photos = sorted(p.path for p in dataset.photos if int(p.person) <= 5 and p.number <= 5)

    with tempfile.TemporaryDirectory() as tmp:
        out, cache = Path(tmp), Path(tmp) / "cache"
        started = time.perf_counter()
        embed_pool(pool, [load_extractor("dlib", device)], ["dlib"], device, cache)
        print(f"target pool: {sum(map(len, pool.values()))} photos of {len(pool)} people embedded once in {time.perf_counter() - started:.1f} s")

        ours: dict[str, dict[Path, Path]] = {}
        for mode, count, goal in (("min", args.min_photos, 1.0), ("high", args.high_photos, 15.0)):
            chosen = photos[:count]
            settings = CloakSettings(version="0.3", mode=mode, device=args.device, batch_size=args.batch_size, cache_dir=cache)
            started, cpu_started = time.perf_counter(), time.process_time()
            reports = cloak_photos(chosen, out / mode, settings, pool=pool, person_of=person_of)
            per_photo = (time.perf_counter() - started) / len(chosen)
            cpu_per_photo = (time.process_time() - cpu_started) / len(chosen) / torch.get_num_threads()
            problems = [f"{r.source.name}: {r.problem}" for r in reports if r.problem]
            print(f"0.3.1 {mode:4s}: {per_photo:6.2f} s per photo over {len(chosen)} photos (goal ≤ {goal:g} s); "
                  f"process CPU time / threads {cpu_per_photo:6.2f} s per photo (another view when the machine is shared)"
                  + (f"; problems: {problems}" if problems else ""))
            ours[mode] = {r.source: r.output for r in reports if r.output}

        print("\nper-photo figures on the same photos (DSSIM on the 224-px crop, PSNR over the photo, largest change):")
        for mode in ("min", "high"):
            rows = {"ours": [], "real Fawkes 0.3.1": []}
            for source, cloaked in ours[mode].items():
                real = REAL / mode / f"{source.stem}_{mode}_cloaked.png"
                if real.is_file():
                    rows["ours"].append(spec_measures(source, cloaked))
                    rows["real Fawkes 0.3.1"].append(spec_measures(source, real))
            for who, values in rows.items():
                if values:
                    d, p, c = zip(*values)
                    print(f"  {mode:4s} {who:18s} n={len(values):2d}  DSSIM {summary(d)}   PSNR {summary(p)}   largest change {summary(c)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
