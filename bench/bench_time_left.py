"""How close the time left the Cloaking tab shows at the start comes to the run's real length.

The figure the first report gives (``RunClock``, from the speed measured on this machine), plus the time until
that report, against the measured duration of a run with 0.3.1 high's budget and learning rate and fewer
steps (about ``--seconds`` of steps), on the repository's three photos of IMM person 01, CPU, dlib. Calibrates
first (as the app does on a machine it has not measured), then runs ``--runs`` times. Goal: within a quarter
of the duration. Run on a quiet machine: python bench/bench_time_left.py [--runs 3] [--seconds 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.cloaking.engine import CloakSettings, cloak_photos  # noqa: E402
from core.cloaking.estimate import RunClock, calibrate  # noqa: E402
from core.datasets import open_dataset  # noqa: E402
from core.jobs import Job  # noqa: E402

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "imm"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    people = open_dataset(FIXTURE).people()
    pool = {person: [p.path for p in photos] for person, photos in people.items() if person != "01"}
    photos = [FIXTURE / f"01-{i}m.jpg" for i in (1, 2, 3)]
    person_of = {p: "01" for p in photos + [FIXTURE / "01-6m.jpg"]}
    with tempfile.TemporaryDirectory(prefix="time-left-") as scratch:
        cache = Path(scratch) / "cache"
        # the target pool embedded beforehand, as in the tab after its first run (the prediction leaves it out)
        cloak_photos([FIXTURE / "01-6m.jpg"], Path(scratch) / "warm", CloakSettings(mode="custom", custom={"steps": 1}, device="cpu", cache_dir=cache), pool=pool, person_of=person_of)
        speed = calibrate("0.3", ("dlib",), "cpu")
        steps = max(5, min(300, round(args.seconds / speed.batch_step_s(len(photos)))))
        print(f"calibrated: {speed.batch_step_s(len(photos)) * 1000:.1f} ms a step of {len(photos)} faces, "
              f"{speed.find_s:.3f} s to find a face; runs of {steps} steps")
        worst = 0.0
        for run in range(args.runs):
            settings = CloakSettings(mode="custom", custom={"th": 0.008, "steps": steps, "lr": 10}, device="cpu", cache_dir=cache, seed=run)
            reports = []
            job = Job(lambda p: reports.append((time.monotonic(), p)))
            clock = RunClock(speed, len(photos), steps, settings.batch_size)
            job.time_left = clock.seconds_left
            started = time.monotonic()
            cloak_photos(photos, Path(scratch) / f"out{run}", settings, job, pool=pool, person_of=person_of)
            duration = time.monotonic() - started
            at, first = reports[0]
            predicted = at - started + first.seconds_left
            miss = (predicted - duration) / duration
            worst = max(worst, abs(miss))
            print(f"run {run + 1}: predicted {predicted:.2f} s at the start, took {duration:.2f} s ({miss:+.0%})")
        print(f"largest miss {worst:.0%} of the duration (goal ≤ 25%)")


if __name__ == "__main__":
    main()
