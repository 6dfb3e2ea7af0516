"""Our Fawkes cloaks beside the real Fawkes 0.3.1 output, and how fast they are made.

CPU by default, 640×480 IMM photos, dlib extractor. Two parts, both on by default:
  * **strength** (issue 10): the training photos of IMM persons 01-05 (photos 1-5) cloaked with our
    default variant ("as the original wrote it"), 0.3.1 min and high, measured with the compare code
    (``core.cloaking.compare``) against the originals, beside the real 0.3.1 cloaks in
    ../shared/datasets/fawkes_v0.3.1_cloaks measured the same way in the same run; prints ours/real
    mean DSSIM (goal 0.8-1.25) and mean largest change (goal 0.75-1.33); then the same photos with
    ``--strict-budget``: every written cloak's DSSIM ≤ the threshold × 1.02;
  * **speed** (issue 13): the extractor floor (forward+backward of the extractors on a batch of chips
    of the engine's batch size, per face-step) and the engine's seconds per photo for 0.3.1 min, 0.3.1
    high and 1.0 mid, with ratio = engine seconds per face-step / floor seconds per face-step; beside
    it, the network alone on batches of the sizes the case really had (3 photos are one batch of 3
    faces, where the network costs more per face than at 8) and the ratio against that.
Run: python bench/bench_cloaking.py [--accept-photos 25] [--strict-photos 25] [--min-photos 10]
     [--high-photos 3] [--mid-photos 3] [--device cpu] [--skip-strength] [--skip-speed] [--json]
"""
from __future__ import annotations

import argparse
import json
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
from core.cloaking.modes import get_mode  # noqa: E402
from core.cloaking.targets import embed_pool  # noqa: E402
from core.datasets import open_dataset  # noqa: E402
from core.torch_threads import torch_threads  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets"
IMM, REAL = SHARED / "imm_face_db", SHARED / "fawkes_v0.3.1_cloaks"
DSSIM_GOAL, CHANGE_GOAL, STRICT_ROUNDING = (0.8, 1.25), (0.75, 1.33), 1.02


def measured(pairs) -> tuple[list[float], list[float], list[int], set[str]]:
    reports = [compare_photos(original, cloak) for original, cloak in pairs]
    return [r.dssim for r in reports], [r.psnr for r in reports], [r.max_change for r in reports], {r.view for r in reports}


def strength(photos, pool, person_of, args, out: Path, cache: Path) -> dict:
    """Ours (as the original wrote it) against the real 0.3.1 cloaks, and the strict budget's check."""
    figures = {}
    print("\nstrength: IMM persons 01-05, measured by core.cloaking.compare")
    for mode in ("min", "high"):
        count = args.high_accept_photos if mode == "high" and args.high_accept_photos is not None else args.accept_photos
        chosen = [p for p in photos[:count] if (REAL / mode / f"{p.stem}_{mode}_cloaked.png").is_file()]
        started = time.perf_counter()
        settings = CloakSettings(version="0.3", mode=mode, device=args.device, batch_size=args.batch_size, cache_dir=cache)
        reports = cloak_photos(chosen, out / mode, settings, pool=pool, person_of=person_of)
        seconds = (time.perf_counter() - started) / max(1, len(chosen))
        ours = measured([(r.source, r.output) for r in reports if r.output])
        real = measured([(p, REAL / mode / f"{p.stem}_{mode}_cloaked.png") for p in chosen])
        ratio_d = statistics.mean(ours[0]) / statistics.mean(real[0])
        ratio_c = statistics.mean(ours[2]) / statistics.mean(real[2])
        for who, (d, p, c, views) in (("ours (as the original wrote it)", ours), ("real Fawkes 0.3.1", real)):
            print(f"  {mode:4s} {who:32s} n={len(d):2d}  DSSIM mean {statistics.mean(d):.4f} max {max(d):.4f}   "
                  f"PSNR mean {statistics.mean(p):5.1f} dB   largest change mean {statistics.mean(c):5.1f} max {max(c):3d}")
        print(f"  {mode:4s} ours/real: DSSIM {ratio_d:.2f} (goal {DSSIM_GOAL[0]}-{DSSIM_GOAL[1]}), largest change {ratio_c:.2f} "
              f"(goal {CHANGE_GOAL[0]}-{CHANGE_GOAL[1]}); {seconds:.1f} s per photo; view: {'; '.join(sorted(ours[3] | real[3]))}")
        figures[mode] = {"dssim_ratio": ratio_d, "largest_change_ratio": ratio_c, "photos": len(chosen)}

        strict_photos = chosen[: args.strict_photos]
        if strict_photos:
            settings = CloakSettings(version="0.3", mode=mode, device=args.device, batch_size=args.batch_size, cache_dir=cache, strict_budget=True)
            reports = cloak_photos(strict_photos, out / f"{mode}-strict", settings, pool=pool, person_of=person_of)
            d = measured([(r.source, r.output) for r in reports if r.output])[0]
            limit = get_mode("0.3", mode).threshold * STRICT_ROUNDING
            over = sum(v > limit for v in d)
            print(f"  {mode:4s} strict budget: n={len(d):2d}  DSSIM max {max(d):.4f} (limit {limit:.4f}): {over} over")
            figures[mode]["strict_max_dssim"], figures[mode]["strict_over"] = max(d), over
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accept-photos", type=int, default=25, help="strength: photos of persons 01-05 cloaked in min and high")
    parser.add_argument("--high-accept-photos", type=int, help="strength: photos for high (default: --accept-photos)")
    parser.add_argument("--strict-photos", type=int, default=25, help="strength: of those, how many are cloaked again with --strict-budget")
    parser.add_argument("--min-photos", type=int, default=10, help="speed: photos for 0.3.1 min")
    parser.add_argument("--high-photos", type=int, default=3, help="speed: photos for 0.3.1 high")
    parser.add_argument("--mid-photos", type=int, default=3, help="speed: photos for 1.0 mid")
    parser.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--skip-strength", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object on the last line")
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
    # the real cloaks' photos, every person's photo 1 first, so that a few photos still cover all five people
    photos = [p.path for p in sorted(dataset.photos, key=lambda p: (p.number, p.person)) if int(p.person) <= 5 and p.number <= 5]

    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        out, cache = Path(tmp), Path(tmp) / "cache"
        started = time.perf_counter()
        with torch_threads():
            embed_pool(pool, [load_extractor("dlib", device)], ["dlib"], device, cache)
        print(f"target pool: {sum(map(len, pool.values()))} photos of {len(pool)} people embedded once in {time.perf_counter() - started:.1f} s")
        if not args.skip_strength:
            figures["strength"] = strength(photos, pool, person_of, args, out, cache)
        if not args.skip_speed:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from speed import speed  # noqa: E402  (bench/speed.py)

            everyone = [p.path for p in sorted(dataset.photos, key=lambda p: (p.number, p.person))]  # --high-photos 200: 200 photos
            figures.update(speed(everyone, pool, person_of, args, out, cache, device))
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
