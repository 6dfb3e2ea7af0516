"""What the operating point (core.metrics, core.calibration) adds to a study's runtime.

Goal: ≤ 10% of the study. Two studies on the IMM photos (or the fixture photos where ../shared is absent):

1. ``none`` + ``import`` of the real Fawkes 0.3.1 high cloaks (the acceptance study): the calibration
   reuses the clean condition's scores; what it adds is writing every candidate's score (``scores.csv``),
   judging the rows, the curve and its figure. These are timed again, alone, on the finished folder.
2. the ``import`` condition alone: the local recognizer enrols the clean photos once more for its
   operating point (``ensure_clean_scores``), timed alone into a fresh folder.

Run: python bench/bench_calibration.py [--recognizer dlib] [IMM folder]
"""
from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.calibration import ensure_clean_scores, own_thresholds  # noqa: E402
from core.datasets import open_dataset  # noqa: E402
from core.figures import confidence_histogram, reidentification_curve, threshold_marks  # noqa: E402
from core.metrics.build import evaluate  # noqa: E402
from core.metrics.scores import ScoreLog, read_scores, scales_of  # noqa: E402
from core.recognizers.base import Candidate  # noqa: E402
from core.results import read_rows, write_rows_csv  # noqa: E402
from core.split import Split  # noqa: E402
from core.study import StudyConfig, run_study  # noqa: E402

SHARED = ROOT.parent / "shared" / "datasets"


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", nargs="?", type=Path, default=SHARED / "imm_face_db")
    parser.add_argument("--recognizer", default="dlib")
    args = parser.parse_args()
    dataset = args.dataset if args.dataset.exists() else ROOT / "tests" / "fixtures" / "imm"
    cloaks = SHARED / "fawkes_v0.3.1_cloaks" / "high"
    if not cloaks.exists():
        cloaks = Path(tempfile.mkdtemp()) / "high"
        cloaks.mkdir()
        for photo in sorted(dataset.glob("0[1-3]-[1-5]*.jpg")):
            shutil.copy(photo, cloaks / f"{photo.stem}_high_cloaked.png")
    work = Path(tempfile.mkdtemp(prefix="bench-calibration-"))
    print(f"dataset {dataset}, cloaks {cloaks}, recognizer {args.recognizer}")

    # 1. with the clean condition
    config = StudyConfig(dataset, work / "with-none", conditions=["none", f"import:{cloaks}"], recognizers=[args.recognizer])
    study_s, _ = timed(lambda: run_study(config))
    out = Path(config.out)
    scores = read_scores(out / "scores.csv")
    photos = [(key, file, person, candidates) for key, by_file in scores.items() for file, (person, candidates) in by_file.items()]
    scales = scales_of(config.recognizers, None, out / "scores.csv")
    log = ScoreLog(work / "again")
    (work / "again").mkdir()
    write_s, _ = timed(lambda: [log.add(key[0], key[1], file, person,
                                        [Candidate(c, 0.0, s) for c, s in candidates.items()], scales[key[1]])
                                for key, file, person, candidates in photos])
    rows = read_rows(out / "results.csv")

    def judge_and_draw():
        judged, summary, _ = evaluate(rows, {}, {}, read_scores(out / "scores.csv"), config.fmr, scales,
                                      own_thresholds(config))
        write_rows_csv(work / "again" / "results.csv", judged)
        summary = summary.to_json()
        for figure in (confidence_histogram(judged, threshold_marks(summary)), reidentification_curve(summary)):
            figure.savefig(io.BytesIO(), format="png")

    judge_s, _ = timed(judge_and_draw)
    added = write_s + judge_s
    print(f"1. none + import: study {study_s:.1f} s; scores.csv {write_s:.2f} s + judging, curve and figures "
          f"{judge_s:.2f} s = {added:.2f} s, {100 * added / study_s:.1f}% of the study")

    # 2. without it
    alone = StudyConfig(dataset, work / "import-only", conditions=[f"import:{cloaks}"], recognizers=[args.recognizer])
    study2_s, _ = timed(lambda: run_study(alone))
    fresh = work / "calibration-only"
    fresh.mkdir()
    data = open_dataset(dataset)
    split = Split.load(Path(alone.out) / "split.json")
    clean_s, _ = timed(lambda: ensure_clean_scores(alone, data, split, ScoreLog(fresh)))
    print(f"2. import alone: study {study2_s:.1f} s, of which the extra clean enrolment {clean_s:.1f} s "
          f"({100 * clean_s / study2_s:.0f}% of the study; the study without it would take {study2_s - clean_s:.1f} s)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
