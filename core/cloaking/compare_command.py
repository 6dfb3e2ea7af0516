"""``python main.py compare --originals DIR --cloaks DIR [--out DIR]``: how much each cloak changed its
original, on the view the original Fawkes budgeted, for cloaks made by any tool."""
from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from ..jobs import Job
from ..models.zoo import user_data_dir
from ..console import ProgressPrinter

CSV_NAME = "compare.csv"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--originals", required=True, type=Path, help="folder of the original photos (sub-folders included)")
    parser.add_argument("--cloaks", required=True, type=Path, help="folder of their cloaks, named after them (e.g. 01-1m_min_cloaked.png)")
    parser.add_argument("--out", type=Path, help="folder for compare.csv (default: a new folder in the app's data folder; never the cloaks' folder)")


def default_out() -> Path:
    return user_data_dir() / "compare" / time.strftime("%Y%m%d-%H%M%S")


def run(args: argparse.Namespace) -> int:
    # measuring imports PyTorch (seconds): only a compare command pays for it, not every command's argument parser
    from .compare import compare_pairs, means, pair_folders, write_compare_csv

    for name, folder in (("originals", args.originals), ("cloaks", args.cloaks)):
        if not folder.is_dir():
            raise NotADirectoryError(f"The {name} folder {folder} does not exist.")
    out = args.out or default_out()
    if out.resolve() == args.cloaks.resolve() or args.cloaks.resolve() in out.resolve().parents:
        raise ValueError(f"compare.csv does not go into the cloaks' folder {args.cloaks} (it may be read-only): choose another --out.")
    pairs, unmatched = pair_folders(args.originals, args.cloaks)
    if not pairs:
        raise ValueError(f"No cloak in {args.cloaks} is named after a photo in {args.originals} (e.g. 01-1m_min_cloaked.png for 01-1m.jpg).")
    reports = compare_pairs(pairs, Job(ProgressPrinter()))
    for report, (original, cloak) in zip(reports, pairs):
        if report.output is None or math.isnan(report.dssim):
            print(f"{cloak.name}: {report.problem}")
        else:
            print(f"{cloak.name} vs {original.name}: DSSIM {report.dssim:.4f}, PSNR {report.psnr:.1f} dB, "
                  f"largest change {report.max_change} ({report.view})")
    for cloak in unmatched:
        print(f"{cloak.name}: matches no photo in {args.originals}")
    summary = means(reports)
    if summary:
        print(f"mean over {summary['photos']} photos: DSSIM {summary['dssim']:.4f}, PSNR {summary['psnr_db']:.1f} dB, "
              f"largest change {summary['largest_change']:.1f} (DSSIM on the view the original budgeted, named per photo above)")
    out.mkdir(parents=True, exist_ok=True)
    write_compare_csv(out / CSV_NAME, reports, pairs)
    print(f"Written to {out / CSV_NAME}")
    return 0 if summary else 1
