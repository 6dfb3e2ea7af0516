"""Speed of the local recognizers on the IMM photos: enrol 200 (photos 1-5), identify 40 (photo 6).

Goal: ≤ 30 s per recognizer (dlib, mobileface, faceres). Each is timed cold: its model loaded and
every face detected afresh. A study that runs mobileface and faceres on the same photos detects each
photo once; the last line times faceres when mobileface has just seen the photos.
Run: python bench/bench_recognizers.py [IMM folder] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.faces import detect_faces  # noqa: E402
from core.images import load_rgb  # noqa: E402
from core.faces import clear_face_cache  # noqa: E402
from core.recognizers.registry import make_recognizer  # noqa: E402

DEFAULT_IMM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imm_face_db"


def run(name: str, photos: list[Path], options: dict) -> tuple[float, float, float, int]:
    """Seconds to load, enrol and identify, and how many photo-6 faces came out right (confidence ≥ 0.5)."""
    start = time.perf_counter()
    recognizer = make_recognizer(name, **options)
    loaded = time.perf_counter()
    training = [photo for photo in photos if photo.name[3] != "6"]
    tests = [photo for photo in photos if photo.name[3] == "6"]
    recognizer.expect(training)  # as the study does
    for photo in training:
        recognizer.enrol(photo.name[:2], photo)
    recognizer.train()
    enrolled = time.perf_counter()
    right = 0
    recognizer.expect(tests)
    for photo in tests:
        best = recognizer.identify(photo)[0]
        right += best.person == photo.name[:2] and best.confidence >= recognizer.threshold
    done = time.perf_counter()
    recognizer.close()
    return loaded - start, enrolled - loaded, done - enrolled, right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("imm", nargs="?", type=Path, default=DEFAULT_IMM)
    parser.add_argument("--device", default=None, help="for mobileface and faceres (default: cuda if present)")
    args = parser.parse_args()
    photos = sorted(args.imm.glob("*.jpg"))
    if len(photos) != 240:
        sys.exit(f"Expected the 240 IMM photos in {args.imm}, found {len(photos)}.")

    start = time.perf_counter()
    for photo in photos[:20]:
        detect_faces(load_rgb(photo))
    print(f"dlib face detection alone: {(time.perf_counter() - start) / 20:.3f} s per photo")

    print(f"{'recognizer':<12}{'load s':>8}{'enrol 200 s':>13}{'identify 40 s':>15}{'total s':>9}  right")
    for name, cold in (("dlib", True), ("mobileface", True), ("faceres", True), ("faceres", False)):
        options = {} if name == "dlib" or args.device is None else {"device": args.device}
        if cold:
            clear_face_cache()
        load, enrol, identify, right = run(name, photos, options)
        label = name if cold else "faceres, faces already detected by mobileface"
        total = load + enrol + identify
        goal = "" if not cold else ("  (goal ≤ 30 s: met)" if total <= 30 else "  (goal ≤ 30 s: NOT met)")
        print(f"{name:<12}{load:>8.2f}{enrol:>13.2f}{identify:>15.2f}{total:>9.2f}  {right}/40{goal}"
              + ("" if cold else f"   ← {label}"))


if __name__ == "__main__":
    main()
