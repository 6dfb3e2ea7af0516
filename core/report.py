"""A study's report to share, as a multi-page PDF (matplotlib ``PdfPages``, text kept as text so it can be
searched and copied): the headline sentences and the summary table; the confidence histogram, the
re-identification curve and the transfer matrix where the study has them; example cloaks (original |
cloaked | difference, amplified) of the most and least protected person of each cloaked condition; and
the methods (dataset and fingerprint, split, conditions in full, recognizers and model hashes, thresholds
and how they were set, package versions, citations). Everything comes from the study folder's files.
"""
from __future__ import annotations

import io
import json
import textwrap
import time
from pathlib import Path

import numpy as np
from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from .atomic import write_bytes_atomic
from .condition_photos import study_photos
from .conditions import ConditionSpec, plain_condition, read_listing, read_spec
from .detection import detection_lines
from .headline import headlines, in_headline_order, protection_colour, where_words
from .images import UnusableImage, load_rgb
from .recognizers.spec import tracker_label
from .results import IDENTIFIED
from .study_folder import load_study

A4 = (8.27, 11.69)
TABLE_ROWS_FIRST_PAGE = 12
TABLE_ROWS_PER_PAGE = 30
EXAMPLE_CONDITIONS = 6  # example cloaks for at most this many cloaked conditions
AMPLIFY = 10  # the difference image: each grey level of change shown ten times as bright
CITATIONS = [
    "IMM Face Database: M. B. Stegmann, B. K. Ersbøll, R. Larsen, \"FAME – A Flexible Appearance Modelling "
    "Environment\", IEEE Transactions on Medical Imaging 22(10), 2003.",
    "Fawkes: S. Shan, E. Wenger, J. Zhang, H. Li, H. Zheng, B. Y. Zhao, \"Fawkes: Protecting Privacy against "
    "Unauthorized Deep Learning Models\", USENIX Security Symposium 2020.",
    "The reference study: a published run of Fawkes 0.3.1 against Microsoft Azure Face on the IMM database (2020): "
    "mode min, 40 of 40 people still identified; mode high, 19 of 40 no longer identified.",
    "dlib: D. E. King, \"Dlib-ml: A Machine Learning Toolkit\", Journal of Machine Learning Research 10, 2009.",
]


def make_report(study_dir: Path | str, out: Path | str | None = None) -> Path:
    """Write the PDF report of the finished study in ``study_dir`` (to ``study_dir/report.pdf`` by default)."""
    study_dir = Path(study_dir)
    if not study_dir.is_dir():
        raise FileNotFoundError(f"The study folder {study_dir} does not exist.")
    study = load_study(study_dir)  # a folder that is not a study: FileNotFoundError with the reason
    if not study.finished:
        raise ValueError(f"The study in {study_dir} has not finished, so it has no summary yet: finish it first "
                         "(run the same study again, or Finish the interrupted study in the window).")
    manifest_file = study_dir / "manifest.json"
    manifest = json.loads(manifest_file.read_text(encoding="utf-8")) if manifest_file.exists() else {}
    out = Path(out) if out is not None else study_dir / "report.pdf"
    buffer = io.BytesIO()
    with rc_context({"pdf.fonttype": 42, "font.size": 9}):  # TrueType: the text is searchable
        with PdfPages(buffer, metadata={"Title": f"Fawkes Tracker report: {study_dir.name}",
                                        "Subject": "Does image cloaking stop face recognition?"}) as pdf:
            for figure in _pages(study, manifest, study_dir):
                pdf.savefig(figure)
    write_bytes_atomic(out, buffer.getvalue())
    return out


def _pages(study, manifest: dict, study_dir: Path):
    from .figures import confidence_histogram, reidentification_curve, threshold_marks, transfer_matrix

    summary, config = study.summary, study.config
    entries = _ordered(summary, config)
    yield from _front_pages(study_dir, summary, config, entries)
    if study.rows:
        yield _titled(confidence_histogram(study.rows, threshold_marks(summary)), "How sure each recognizer was")
    if any(e.get("curve") for e in entries):
        yield _titled(reidentification_curve(summary), "People re-identified at each strictness")
    if len({e["recognizer"] for e in entries}) > 1:
        yield _titled(transfer_matrix(summary), "Every condition against every recognizer")
    examples = _examples(study, study_dir)
    if examples:
        yield _example_page(examples)
    yield _methods_page(study, manifest, summary)


def _ordered(summary: dict, config) -> list[dict]:
    """Every entry, judged ones in the headline's order, then those nobody could be judged in (never left out)."""
    return in_headline_order(summary, config.conditions, config.recognizers)


def _page(title: str) -> Figure:
    figure = Figure(figsize=A4)
    figure.text(0.06, 0.965, title, fontsize=14, weight="bold", va="top")
    return figure


def _titled(figure: Figure, title: str) -> Figure:
    figure.suptitle(title, fontsize=12, weight="bold")
    return figure


def _lines(figure: Figure, y: float, paragraphs: list[str], width: int = 100, size: float = 9, step: float = 0.0145,
           **style) -> float:
    """Write wrapped paragraphs downwards from ``y``; returns where the next line goes."""
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, width) or [""]:
            figure.text(0.06, y, line, fontsize=size, va="top", family="DejaVu Sans", **style)
            y -= step * size / 9
        y -= step * 0.3
    return y


# ---- page 1: the answer --------------------------------------------------------------------------------

def _front_pages(study_dir: Path, summary: dict, config, entries: list[dict]):
    figure = _page("Does cloaking stop face recognition? The answer of this study")
    y = _lines(figure, 0.93, [f"Study {study_dir.name}: dataset {Path(config.dataset).name}, split {config.split}"
                              + (f" (seed {config.seed})" if config.split != "imm" else "")
                              + f", report made {time.strftime('%Y-%m-%d %H:%M')}."], size=8, color="#444")
    y -= 0.005
    for h in headlines(summary, config.conditions, config.recognizers):
        wrapped = textwrap.wrap(h.text, 92)
        figure.text(0.07, y, "\n".join(wrapped), fontsize=9.5, va="top", linespacing=1.4, color=h.text_colour,
                    bbox={"facecolor": h.colour, "edgecolor": "none", "pad": 3})
        y -= 0.0175 * len(wrapped) + 0.009
    y = _lines(figure, y - 0.005, [
        "Protected: the person's clean test photo was not matched to them by the recognizer at its operating point, "
        "a threshold set so that a stranger passes for a given person this often on the study's clean photos. "
        "In brackets: the 95% interval (Wilson). Black-box lines come first: judged by a network the cloak was not "
        "made against, the honest test. White-box lines come last, in grey: judged by a network the cloak was made "
        "against, they overstate protection."], size=8, color="#444")
    rows = [_table_row(e) for e in entries]
    # the cell's colour: none where nobody could be judged, nor for white-box (it flatters the cloak, never green)
    rates = [None if e.get("judged") == "white-box" else e.get("protection_rate") for e in entries]
    n = TABLE_ROWS_FIRST_PAGE
    _table(figure, rows[:n], rates[:n], top=y - 0.01)
    yield figure
    for start in range(n, len(rows), TABLE_ROWS_PER_PAGE):
        more = _page("Summary per condition and recognizer (continued)")
        _table(more, rows[start:start + TABLE_ROWS_PER_PAGE], rates[start:start + TABLE_ROWS_PER_PAGE], top=0.92)
        yield more


TABLE_HEADER = ["Condition", "Recognizer", "Judged", "Best guess\nright (rank-1)", "Threshold", "Re-identified",
                "Protected\n(95% interval)", "Different\nfrom clean"]


def _table_row(e: dict) -> list[str]:
    from .metrics.words import p_words, percent_with_interval

    rank1, point = e.get("rank1") or {}, e.get("operating_point") or {}
    people = point.get("people", e["people"])
    found = point.get("reidentified", e["reidentified"])
    protected = ("nobody judged" if e.get("protection_rate") is None
                 else percent_with_interval(e["protection_rate"], point.get("ci95")))
    versus = e.get("versus_clean")
    return ["\n".join(textwrap.wrap(plain_condition(e["name"]), 30)), e["recognizer"], e.get("judged", ""),
            f"{rank1['reidentified']} of {rank1['people']}" if rank1 else "", where_words(point).removeprefix("at "),
            f"{found} of {people}", protected, p_words(versus["p_value"]) if versus else ""]


def _table(figure: Figure, rows: list[list[str]], rates: list[float | None], top: float) -> None:
    if not rows:
        return
    height = min(top - 0.05, 0.03 * (len(rows) + 1) + 0.012 * sum(r[0].count("\n") for r in rows))
    ax = figure.add_axes((0.04, top - height, 0.92, height))
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=TABLE_HEADER, loc="upper center", cellLoc="left",
                     colWidths=[0.25, 0.09, 0.09, 0.12, 0.14, 0.1, 0.12, 0.09])
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    table.scale(1, 2.1)
    for (row, _), cell in table.get_celld().items():
        if row == 0:
            cell.set_facecolor("#eeeeee")
            cell.set_text_props(weight="bold")
    for i, rate in enumerate(rates, start=1):  # the protection cell on its colour
        if rate is not None:
            table[i, 6].set_facecolor(protection_colour(rate))


# ---- example cloaks ----------------------------------------------------------------------------------

def _examples(study, study_dir: Path) -> list[tuple[str, str, str, Path, Path]]:
    """(condition, person, why, original, cloak) for the most and least protected person of each cloaked condition."""
    if study.split is None:
        return []
    dataset_root = Path(study.config.dataset)
    first_recognizer = study.config.recognizers[0] if study.config.recognizers else None
    out = []
    for condition in [c for c in study.config.conditions if c != "none"][:EXAMPLE_CONDITIONS]:
        spec = read_spec(condition)
        rows = [r for r in study.rows if spec is not None and r.condition == spec.spelling and r.recognizer == first_recognizer]
        if not rows:
            continue

        def surely(r):  # how surely the person was still recognised
            return (r.outcome == IDENTIFIED, (r.confidence or 0.0) if r.predicted == r.person else 0.0)

        most, least = max(rows, key=surely), min(rows, key=surely)
        chosen = [("recognised most surely" if most.outcome == IDENTIFIED else "not recognised", most),
                  ("protected" if least.outcome != IDENTIFIED else "recognised least surely", least)]
        if chosen[0][1].person == chosen[1][1].person:
            chosen = chosen[:1]
        cloaks = _enrolled_files(spec, condition, study_dir)
        for why, row in chosen:
            for relative in study.split.train.get(row.person, []):
                cloak = cloaks.get(relative)
                if cloak is not None:
                    out.append((condition, row.person, f"{why} by {first_recognizer}", dataset_root / relative, cloak))
                    break
    return out


def _enrolled_files(spec: ConditionSpec, condition: str, study_dir: Path) -> dict[str, Path]:
    """Photo (relative to the dataset) -> the photo enrolled for it under the condition (a cloak, or a cloak as
    uploaded), as the study listed it; for a study written before conditions listed their photos, as the
    window finds them (``core.condition_photos``, which reads what that study recorded)."""
    listing = read_listing(study_dir, spec)
    if listing is not None:
        return listing.files()
    try:
        photos = study_photos(study_dir, condition)
    except (FileNotFoundError, ValueError):
        return {}
    return {p.original: p.enrolled or p.report.output for p in photos if (p.enrolled or p.report.output) is not None}


def _example_page(examples: list) -> Figure:
    figure = _page("Example cloaks: original | cloaked | difference")
    figure.text(0.06, 0.935, f"The difference is shown {AMPLIFY} times brighter than it is; black means unchanged.",
                fontsize=8, color="#444", va="top")
    n = min(len(examples), 8)
    for i, (condition, person, why, original, cloak) in enumerate(examples[:n]):
        top = 0.9 - i * (0.86 / n)
        height = 0.86 / n - 0.03
        figure.text(0.06, top, f"{plain_condition(condition)} · person {person} ({why}) · {original.name}",
                    fontsize=8, va="top")
        try:
            before, after = load_rgb(original), load_rgb(cloak)
        except UnusableImage as exc:
            figure.text(0.08, top - 0.02, f"Cannot show it: {exc}", fontsize=8, va="top")
            continue
        images = [before, after]
        if before.shape == after.shape:
            change = np.abs(after.astype(np.int16) - before.astype(np.int16)).max(axis=2)
            images.append(np.clip(change * AMPLIFY, 0, 255).astype(np.uint8))
        for j, image in enumerate(images):
            ax = figure.add_axes((0.06 + j * 0.305, top - 0.015 - height, 0.29, height))
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
            ax.set_axis_off()
        if len(images) == 2:
            figure.text(0.68, top - 0.03, "(the enrolled photo has another size, so no difference)", fontsize=7, va="top")
    return figure


# ---- methods ---------------------------------------------------------------------------------------

def _methods_page(study, manifest: dict, summary: dict) -> Figure:
    config = study.config
    dataset = manifest.get("dataset", {})
    split = manifest.get("split", {})
    figure = _page("Methods")
    paragraphs = [
        f"Dataset: {dataset.get('folder', config.dataset)} ({dataset.get('layout', '?')} layout, "
        f"{dataset.get('photos', '?')} photos); fingerprint SHA-256 {dataset.get('fingerprint_sha256', '?')}.",
        f"Split: rule {split.get('rule', config.split)}" + (f", seed {split['seed']}" if split.get("seed") is not None else "")
        + f", {split.get('people', '?')} people"
        + (f", {study.split.training_photos} training and {study.split.test_photos} test photos" if study.split else "")
        + (f"; left out: {'; '.join(f'{p}: {w}' for p, w in split['left_out'].items())}" if split.get("left_out") else "")
        + ". Training photos are enrolled (cloaked under a cloaking condition); test photos stay clean.",
        "Conditions, in full:",
        *(f"• {plain_condition(c)}: {c}" for c in config.conditions),
        f"Cloaking options: {json.dumps(manifest.get('cloak_options', config.cloak_options), sort_keys=True)}.",
        "Recognizers:",
        *(f"• {tracker_label(name)}: " + ", ".join(f"{k} {v}" for k, v in info.items() if k not in ("name", "operating_point"))
          for name, info in (manifest.get("recognizers") or {}).items()),
        "Thresholds: " + _thresholds(summary),
        *(["Could a tracker spot the cloaks? (a detector trained on the study's clean training photos against each "
           "condition's cloaked ones, tested on people it never saw):"] if detection_lines(summary) else []),
        *(f"• {line}" for line in detection_lines(summary)),
        "Package versions: " + ", ".join(f"{k} {v}" for k, v in (manifest.get("packages") or {}).items()) + ".",
        f"Finished {manifest.get('finished_at', '?')} in {manifest.get('seconds', '?')} s.",
        "Citations:",
        *(f"• {c}" for c in CITATIONS),
    ]
    _lines(figure, 0.93, paragraphs, width=110, size=8)
    return figure


def _thresholds(summary: dict) -> str:
    from .fmr import fmr_words

    points = summary.get("operating_points") or {}
    if not points:
        return "each recognizer's own confidence threshold."
    parts = []
    for name, p in points.items():
        if p.get("calibrated") and p.get("threshold") is not None:
            parts.append(f"{name}: {p['score']} {p['threshold']:.4f}, set on the clean photos so that {fmr_words(p['fmr'])} "
                         f"passes (from {p.get('impostor_comparisons', '?')} impostor comparisons)")
        elif p.get("calibrated"):
            parts.append(f"{name}: no threshold (rank-1)")
        else:
            parts.append(f"{name}: its own confidence threshold {p.get('threshold')} (not calibrated: no clean condition)")
    return "; ".join(parts) + "."
