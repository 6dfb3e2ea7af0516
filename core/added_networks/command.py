"""The command line's part for ONNX networks: ``export-network``, ``add-network``, ``onnx:PATH`` wherever a
tracker or an extractor is named (``--onnx-preset`` says how to prepare faces for it), and the sanity check at a
study's start (``--despite-sanity-check`` runs the study all the same)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..catalogue import names
from ..jobs import Job
from ..models.onnx.presets import DEFAULT_PRESET, EXPORTABLE, PRESETS, parse_preset
from .before_study import NetworksChanged, check_study_networks
from .store import load_into_catalogue, use_for_this_run

# The parsers here load nothing heavy; what runs a network (PyTorch, onnx, onnxruntime: seconds) is imported by the
# command that needs it, as ``core.cli`` does for the cloak command.

PRESET_HELP = (f"how faces are prepared for an onnx:PATH network: {', '.join(PRESETS)} (default {DEFAULT_PRESET}) or "
               "custom:size=N,order=rgb|bgr,mean=M,scale=S,crop=aligned|loose")


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("network", choices=EXPORTABLE, help="the built-in network to write")
    parser.add_argument("--out", required=True, type=Path, help="the .onnx file to write")


def add_add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the face network's .onnx file (it is not copied: keep it where it is)")
    parser.add_argument("--name", help="the tracker's name in every output (default: onnx: + the file's stem)")
    parser.add_argument("--preset", default=DEFAULT_PRESET, help=PRESET_HELP.replace("for an onnx:PATH network", "for it"))
    parser.add_argument("--insist", action="store_true", help="add it even when its sanity check fails (below 90%% rank-1)")


def add_network_options(parser: argparse.ArgumentParser, study: bool) -> None:
    parser.add_argument("--onnx-preset", default=DEFAULT_PRESET, help=PRESET_HELP)
    if study:
        parser.add_argument("--despite-sanity-check", action="store_true",
                            help="run the study even when an ONNX network's clean rank-1 is below 90%%")


def run_export(args: argparse.Namespace) -> int:
    from ..models.onnx.export import export_network

    path, preset = export_network(args.network, args.out)
    print(f"Wrote {args.network} to {path} ({path.stat().st_size / 1e6:.1f} MB). Use it as a tracker with "
          f"--recognizer onnx:{path} --onnx-preset {preset}, or add it with: add-network {path} --preset '{preset}'")
    return 0


def run_add(args: argparse.Namespace, job: Job) -> int:
    from .add import add_network
    from .sanity import NetworkRejected

    try:
        network, result, note = add_network(args.file, args.name, args.preset, args.insist, job=job)
    except NetworkRejected as exc:
        print(f"error: {exc} Try another --preset, or add it anyway with --insist.", file=sys.stderr)
        return 1
    print(result.words())
    if note:
        print(f"Note: {note}")
    print(f"Added {network.name} ({network.file}, SHA-256 {network.sha256[:12]}…, preset {network.preset}): "
          f"use --recognizer {network.name}" + (f" or --extractor {network.name}." if network.can_cloak else "."))
    return 0


def _resolved(values: list[str], preset: str) -> list[str]:
    """``onnx:PATH`` items replaced by the name of this run's catalogue entry for the file; others kept."""
    out = []
    for value in values:
        if value.startswith("onnx:") and value not in names():
            path = Path(value[len("onnx:"):]).expanduser()
            if not path.is_file():
                raise FileNotFoundError(f"The network file {path} does not exist.")
            value = use_for_this_run(path, parse_preset(preset).spelling())
        out.append(value)
    return out


def resolve_networks(args: argparse.Namespace) -> None:
    """List the remembered networks in the catalogue (saying which files are missing or changed), and give every
    ``onnx:PATH`` of ``--recognizer``/``--extractor`` a catalogue entry for this run."""
    for problem in load_into_catalogue():
        print(f"warning: {problem}", file=sys.stderr)
    preset = getattr(args, "onnx_preset", DEFAULT_PRESET)
    if getattr(args, "recognizer", None):
        args.recognizer = _resolved([v.strip() for value in args.recognizer for v in value.split(",") if v.strip()], preset)
    if getattr(args, "extractor", None):
        args.extractor = ",".join(_resolved([v.strip() for v in args.extractor.split(",") if v.strip()], preset))


def check_study_start(args: argparse.Namespace, recognizers: list[str], job: Job) -> None:
    """Before a study: a folder whose network file changed is refused by name; then every added network it uses
    (as a tracker or a cloak's target) passes the sanity check on the study's clean photos, unless the user
    insists. Prints what the check said."""
    try:
        results = check_study_networks(recognizers + [v for v in args.extractor.split(",") if v], args.out,
                                       args.dataset, args.split, args.seed, not args.restart,
                                       args.despite_sanity_check, job)
    except NetworksChanged as exc:
        raise ValueError(f"{exc} Running this study again would mix two networks: restore the file, "
                         "or start afresh with --restart.") from None
    for result in results:
        print(result.words())
