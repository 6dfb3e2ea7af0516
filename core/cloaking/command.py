"""``python main.py cloak``: cloak a folder of photos with our Fawkes engine."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..catalogue import cloak_targets
from ..console import ProgressPrinter
from ..images import IMAGE_SUFFIXES
from ..jobs import Job
from ..split import choose_strangers
from .modes import get_mode, normalise_version
from .settings import parse_target_pool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, type=Path, help="folder of photos to cloak (sub-folders included)")
    parser.add_argument("--output", required=True, type=Path, help="folder for the cloaked PNGs and cloak_report.csv")
    parser.add_argument("--version", default="0.3", help="0.3 (Fawkes 0.3.1, targeted) or 1.0 (Fawkes 1.0.2, untargeted)")
    parser.add_argument("--mode", default="min", help="0.3: min, low, mid, high, ultra; 1.0: low, mid, high; custom with --th/--steps/--lr")
    parser.add_argument("--th", type=float, help="custom mode: DSSIM budget")
    parser.add_argument("--steps", type=int, help="custom mode: optimisation steps")
    parser.add_argument("--lr", type=float, help="custom mode: learning rate")
    parser.add_argument("--extractor", default="dlib", help=f"networks to cloak against, comma-separated: {', '.join(cloak_targets())}")
    parser.add_argument("--seed", type=int, default=0, help="seed for target choice and the starting point")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto uses CUDA when present")
    parser.add_argument("--target-pool", help="0.3: study (default: the other people in --input), strangers:N (N people of "
                        "--input, chosen with the seed, held out as targets and not cloaked) or a dataset folder of other people")
    parser.add_argument("--strict-budget", action="store_true", help="keep every written photo within the DSSIM budget "
                        "(default: write cloaks as the original Fawkes did, which go past it)")
    parser.add_argument("--batch-size", type=int, default=8, help="faces optimised together")


def _photos(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and "_cloaked" not in p.stem)


def _people(folder: Path) -> tuple[dict[str, list[Path]], dict[Path, str]]:
    """Who is in ``folder``, when it is a dataset of several people; otherwise nobody is known."""
    from ..datasets import open_dataset

    try:
        dataset = open_dataset(folder, check_images=False)
    except (ValueError, FileNotFoundError):
        return {}, {}
    people = {person: [p.path for p in photos] for person, photos in dataset.people().items()}
    if len(people) < 2:
        return {}, {}
    return people, {p.path: p.person for p in dataset.photos}


def run(args: argparse.Namespace) -> int:
    # the engine imports PyTorch (seconds): only a cloak command pays for it, not every command's argument parser
    from .engine import REPORT_NAME, CloakSettings, cloak_photos

    if not args.input.is_dir():
        raise NotADirectoryError(f"The input folder {args.input} does not exist.")
    version = normalise_version(args.version)
    custom = {k: getattr(args, k) for k in ("th", "steps", "lr") if getattr(args, k) is not None}
    if custom and args.mode != "custom":
        raise ValueError("--th, --steps and --lr go with --mode custom.")
    mode = get_mode(version, args.mode, custom if args.mode == "custom" else None)
    extractors = tuple(v.strip() for v in args.extractor.split(",") if v.strip())
    photos = _photos(args.input)
    if not photos:
        raise ValueError(f"No photos were found in {args.input}.")
    people, person_of = _people(args.input)
    kind, detail = parse_target_pool(args.target_pool)
    if version == "0.3" and kind != "folder" and not people:
        raise ValueError("Fawkes 0.3.1 moves faces towards another identity: name a folder of other people's photos with --target-pool DIR.")
    pool = people
    if kind == "strangers":  # held out: their photos are targets only
        strangers = choose_strangers(list(people), detail, args.seed)
        pool = {p: people[p] for p in strangers}
        photos = [p for p in photos if person_of.get(p) not in strangers]
        print(f"Held out as targets (not cloaked): {', '.join(strangers)}")
    settings = CloakSettings(version=version, mode=mode.name, extractors=extractors, seed=args.seed, device=args.device,
                             target_pool=detail if kind == "folder" else args.target_pool, custom=custom or None,
                             batch_size=max(1, args.batch_size), strict_budget=args.strict_budget)
    reports = cloak_photos(photos, args.output, settings, Job(ProgressPrinter()), pool=pool or None, person_of=person_of or None)
    failed = [r for r in reports if r.problem]
    for r in reports:
        if r.problem:
            print(f"{r.source.name}: {r.problem}")
        else:
            shift = ", ".join(f"{k} {v:.3f}" for k, v in r.feature_shift.items())
            print(f"{r.source.name}: {r.faces} face(s), DSSIM {r.dssim:.4f}, PSNR {r.psnr:.1f} dB, largest change {r.max_change}, "
                  f"feature shift {shift}, {r.seconds:.1f} s{' (reused)' if r.cached else ''}")
    print(f"{len(reports) - len(failed)} of {len(reports)} photos cloaked into {args.output} (see {REPORT_NAME}); "
          f"written {settings.variant}" + (f", {settings.pool_label}" if version == "0.3" else "") + ".")
    return 1 if failed and len(failed) == len(reports) else 0
