"""The command line: ``python main.py study ...``, ``python main.py cloak ...``, ``python main.py compare ...``
and ``python main.py report ...``."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .added_networks import command as networks
from .added_networks.reopen import study_network_problems
from .catalogue import help_text, tracker
from .console import ProgressPrinter
from .jobs import Cancelled, Job
from .modifiers import help_text as modifiers_help
from .recognizers.registry import end_helper_processes
from .recognizers.spec import help_text as tracker_spelling_help

STOPPED = "Stopped. Everything finished so far is kept; run the same command again to resume."
_jobs: list[Job] = []  # the running command's jobs: SIGTERM and Ctrl+C cancel them as the window's Cancel does
_stopped_by: int | None = None  # the signal that stopped the command


def cancel_on_signal(job: Job) -> Job:
    """A command's job, to be cancelled by SIGTERM or Ctrl+C (a command whose job is not handed here stops
    at once, wherever it is)."""
    _jobs.append(job)
    return job


def _stop(signum: int, frame) -> None:
    """SIGTERM or Ctrl+C: cancel the running job, which stops at its next step keeping what it finished;
    with no job to cancel (or on a second signal) stop at once."""
    global _stopped_by
    _stopped_by = signum
    running = [job for job in _jobs if not job.cancelled]
    if not running:
        raise KeyboardInterrupt
    for job in running:
        job.cancel()


def _list(values: list[str]) -> list[str]:
    """Accept both ``--x a --x b`` and ``--x a,b``."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _fmr(text: str) -> float:
    """``1%``, ``0.01`` → 0.01."""
    value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"a false-match rate is between 0 and 1 (or 0% and 100%), not {text}")
    return value


def add_study_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, type=Path, help="folder of face photos (IMM names, a folder per person, or a CSV file,person)")
    parser.add_argument("--out", required=True, type=Path, help="study folder to write (an interrupted study there is resumed)")
    parser.add_argument("--restart", action="store_true", help="delete the results of the study already in --out and start afresh")
    parser.add_argument("--split", default="imm", help="imm (photo 6 tests, 1-5 train) or random:N (N test photos per person)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the random split and for cloaking")
    parser.add_argument("--recognizer", action="append", default=[], help=f"{help_text()}; dlib by default; repeat for a transfer matrix; {tracker_spelling_help()}")
    parser.add_argument("--condition", action="append", default=[], help="none, import:DIR, fawkes:0.3:MODE, fawkes:1.0:MODE or external:MODE, "
                        f"each optionally followed by {modifiers_help().replace('%', '%%')}, left to right; repeatable")
    parser.add_argument("--distractors", type=Path, help="dataset folder of other people enrolled with all their photos, clean, never tested (a bigger crowd)")
    parser.add_argument("--extractor", default="dlib", help="networks our cloaks are optimised against, e.g. dlib or dlib,mobileface")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where our cloaking runs")
    parser.add_argument("--target-pool", default="study", help="Fawkes 0.3 targets: study (default: targets among the enrolled people), "
                        "strangers:N (N people of the dataset, chosen with the seed, held out of the study) or a dataset folder")
    parser.add_argument("--strict-budget", action="store_true", help="our cloaks stay within the DSSIM budget (default: written as the original Fawkes wrote them)")
    parser.add_argument("--external-command", default="fawkes", help="the original Fawkes program, for external:MODE conditions")
    parser.add_argument("--threshold", type=float, help="an online service's own confidence line, used when the study has no none condition to calibrate it on (default: the service's own, e.g. Azure 0.5, Rekognition 0.8)")
    parser.add_argument("--fmr", type=_fmr, default=0.01, help="false-match rate that sets every recognizer's threshold: 0.1%%, 1%% (default) or 10%% (how often a stranger would pass for a given person)")
    parser.add_argument("--repeat", type=int, default=1, help="run our own cloaking conditions N times (seeds seed … seed+N-1), and random splits N times; the summary gives each run and the mean, min and max")
    parser.add_argument("--azure-tier", default="free", choices=["free", "standard"], help="Azure pricing tier, sets the request pace")
    parser.add_argument("--azure-models", default="latest", choices=["latest", "2020"], help="latest: recognition_04 + detection_03; 2020: recognition_01 + detection_01 as the reference study")


def run_study_command(args: argparse.Namespace) -> int:
    from .metrics.words import closing_line, percent_with_interval
    from .repeats import run_repeated
    from .study import StudyConfig

    recognizers = _list(args.recognizer) or ["dlib"]
    for name in recognizers:
        tracker(name)  # a bad spelling (dlib/knn, dlib+blur:-1) is refused in one line before any work
    options: dict[str, dict] = {name: {} if args.threshold is None else {"threshold": args.threshold} for name in recognizers}
    if "azure" in recognizers:
        from .credentials import resolve_azure

        endpoint, key = resolve_azure()
        if not endpoint or not key:
            print("error: Azure needs an endpoint and a key: set AZURE_FACE_ENDPOINT, and AZURE_FACE_KEY "
                  "unless the key is saved in the app's Recognition tab.", file=sys.stderr)
            return 2
        options["azure"].update(endpoint=endpoint, key=key, tier=args.azure_tier, models=args.azure_models)
    config = StudyConfig(
        dataset=args.dataset, out=args.out, split=args.split, seed=args.seed, recognizers=recognizers,
        conditions=_list(args.condition) or ["none"], recognizer_options=options, distractors=args.distractors,
        cloak_options={"extractors": _list([args.extractor]), "seed": args.seed, "device": args.device,
                       "target_pool": args.target_pool, "strict_budget": args.strict_budget,
                       "external_command": args.external_command},
        fmr=args.fmr, repeat=max(args.repeat, 1),
    )
    job = cancel_on_signal(Job(ProgressPrinter()))
    networks.check_study_start(args, recognizers, job)  # an added network's sanity check on the study's clean photos
    summary = run_repeated(config, job, restart=args.restart)
    from .headline import headline_sentences, in_headline_order

    # the headline's order: black-box first, white-box (which flatters the cloak) last
    for entry in in_headline_order(summary, config.conditions, config.recognizers):
        if not entry["people"]:
            print(f"{entry['name']} · {entry['recognizer']} ({entry['judged']}): {entry['nobody_judged']}")
        else:
            print(closing_line(entry))
        spread = entry.get("repeat_spread", {}).get("protection_rate")
        if spread:
            print(f"  over {len(entry['repeats'])} runs (seeds {entry['repeats'][0]['seed']}–{entry['repeats'][-1]['seed']}): "
                  f"protected {percent_with_interval(spread['mean'], None)} on average, "
                  f"{percent_with_interval(spread['min'], None)} to {percent_with_interval(spread['max'], None)}")
        if entry["set_aside"]:
            print(f"  {len(entry['set_aside'])} people set aside (not counted): "
                  + "; ".join(f"{p}: {why}" for p, why in list(entry["set_aside"].items())[:5])
                  + (" ..." if len(entry["set_aside"]) > 5 else ""))
    print("In short:")
    for sentence in headline_sentences(summary, config.conditions, config.recognizers):
        print(f"  {sentence}")
    print(f"Results written to {args.out}")
    if not any(entry["people"] for entry in summary["conditions"]):
        print("error: no condition could be judged: " + "; ".join(
            f"{e['name']} · {e['recognizer']}: {e['nobody_judged']}" for e in summary["conditions"]), file=sys.stderr)
        return 1
    return 0


def run_report_command(args: argparse.Namespace) -> int:
    from .headline import headline_sentences
    from .report import make_report
    from .study_folder import load_study

    path = make_report(args.study, args.out)
    study = load_study(args.study)
    for problem in study_network_problems(args.study):
        print(f"warning: {problem}")
    for sentence in headline_sentences(study.summary, study.config.conditions, study.config.recognizers):
        print(sentence)
    print(f"Report written to {path}")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="main.py", description="Fawkes Tracker: does image cloaking stop face recognition? "
                                     "Without arguments the application window opens.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_study_arguments(commands.add_parser("study", help="run the study headless and write its results folder"))
    from .cloaking.command import add_arguments as add_cloak_arguments, run as run_cloak_command

    add_cloak_arguments(commands.add_parser("cloak", help="cloak a folder of photos with our Fawkes engine"))
    from .cloaking.compare_command import add_arguments as add_compare_arguments, run as run_compare_command

    add_compare_arguments(commands.add_parser("compare", help="measure how much cloaks changed their originals"))
    report = commands.add_parser("report", help="write the PDF report of a finished study folder")
    report.add_argument("study", type=Path, help="the study folder")
    report.add_argument("--out", type=Path, help="the PDF to write (default: report.pdf in the study folder)")
    networks.add_export_arguments(commands.add_parser("export-network", help="write one of our own networks as an ONNX file"))
    networks.add_add_arguments(commands.add_parser("add-network", help="add an ONNX face network as a tracker, after a sanity check"))
    for name in ("study", "cloak"):
        networks.add_network_options(commands.choices[name], study=name == "study")
    args = parser.parse_args(argv)
    runner = {"study": run_study_command, "cloak": run_cloak_command, "compare": run_compare_command,
              "report": run_report_command, "export-network": networks.run_export,
              "add-network": lambda a: networks.run_add(a, cancel_on_signal(Job(ProgressPrinter())))}[args.command]
    global _stopped_by
    _jobs.clear()
    _stopped_by = None
    handled = (signal.SIGINT, signal.SIGTERM) if threading.current_thread() is threading.main_thread() else ()
    previous = {sig: signal.signal(sig, _stop) for sig in handled}
    try:
        networks.resolve_networks(args)  # remembered networks and onnx:PATH become catalogue entries
        return runner(args)
    except (Cancelled, KeyboardInterrupt):
        end_helper_processes()
        print(STOPPED, file=sys.stderr)
        return 128 + (_stopped_by or signal.SIGINT)  # 130 for Ctrl+C, 143 for SIGTERM, as the shell reports
    except (ValueError, FileNotFoundError, NotADirectoryError, PermissionError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        if getattr(exc, "fatal", False):  # a recognizer refusing the whole study (Azure key, approval)
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _jobs.clear()
