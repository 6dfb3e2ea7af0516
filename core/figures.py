"""Figures as matplotlib ``Figure`` objects (no pyplot state), for files and for the window."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .conditions import short_condition
from .results import IDENTIFIED, ResultRow

BIN_WIDTH = 0.025  # about the reference study's; 0.1 bins put most photos of a clean condition in one bar
BIN_EDGES = np.linspace(0.0, 1.0, round(1 / BIN_WIDTH) + 1)
LINE_STYLES = ("--", ":", "-.", (0, (5, 1, 1, 1)))


def series_label(row: ResultRow, several_recognizers: bool) -> str:
    name = short_condition(row.condition)
    return f"{name} · {row.recognizer}" if several_recognizers else name


def draw_confidence_histogram(fig: Figure, rows: list[ResultRow], thresholds: dict[str, float] | float | None = 0.5) -> Figure:
    """Counts of test photos by the confidence of the best candidate, one bar series per condition.

    Each bar is split: the best candidate is the right person (solid, below) or somebody else
    (hatched, on top), whatever the threshold says. Photos with no candidate at all (no face found,
    an error) get their own bar at the right instead of being counted as confidence 0.
    ``thresholds``: each recognizer's operating threshold as a confidence (a line each), or one value.
    """
    fig.clear()
    fig.set_layout_engine("constrained")  # keeps the legend below the axes from covering the x label
    ax = fig.add_subplot(1, 1, 1)
    several = len({r.recognizer for r in rows}) > 1
    series: dict[str, list[ResultRow]] = {}
    for row in rows:
        series.setdefault(series_label(row, several), []).append(row)
    n = max(len(series), 1)
    width = BIN_WIDTH / n * 0.9
    fail_x = 1.1
    for i, (label, group) in enumerate(series.items()):
        right = [r.confidence for r in group if r.confidence is not None and r.predicted == r.person]
        wrong = [r.confidence for r in group if r.confidence is not None and r.predicted != r.person]
        right_counts, _ = np.histogram(right, bins=BIN_EDGES)
        wrong_counts, _ = np.histogram(wrong, bins=BIN_EDGES)
        offset = (i - (n - 1) / 2) * width
        centres = (BIN_EDGES[:-1] + BIN_EDGES[1:]) / 2 + offset
        identified = sum(r.outcome == IDENTIFIED for r in group)
        bars = ax.bar(centres, right_counts, width=width, label=f"{label}: {identified}/{len(group)} identified")
        colour = bars.patches[0].get_facecolor() if bars.patches else None
        ax.bar(centres, wrong_counts, width=width, bottom=right_counts, color=colour, hatch="xxx", edgecolor="white",
               linewidth=0)
        failures = sum(r.confidence is None for r in group)
        ax.bar([fail_x + offset], [failures], width=width, color=colour, hatch="//", edgecolor="black")
    ax.axvline(1.025, color="grey", linewidth=0.8)
    marks = thresholds if isinstance(thresholds, dict) else ({"threshold": thresholds} if thresholds is not None else {})
    for k, (name, value) in enumerate(m for m in marks.items() if m[1] is not None):
        ax.axvline(value, color="black", linestyle=LINE_STYLES[k % len(LINE_STYLES)], linewidth=0.8)
        ax.annotate(name, (value, 1), xycoords=("data", "axes fraction"), xytext=(3, -12 - 11 * k),
                    textcoords="offset points", fontsize="small")
    ax.set_xticks(list(np.linspace(0, 1, 6)) + [fail_x], [f"{t:.1f}" for t in np.linspace(0, 1, 6)] + ["no\nresult"])
    ax.set_xlim(-0.05, fail_x + 0.08)
    ax.set_xlabel("best candidate's confidence (solid: right person, ×: wrong)", fontsize="small")
    ax.set_ylabel("number of test photos", fontsize="small")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Confidence per test photo")
    if series:
        fig.legend(loc="outside lower center", ncol=2 if len(series) > 3 else 1, fontsize="x-small" if n > 2 else "small",
                   frameon=False)
    return fig


def threshold_marks(summary: dict | None) -> dict[str, float]:
    """Recognizer → its operating threshold as a confidence, from a summary (for the histogram's lines)."""
    points = (summary or {}).get("operating_points", {})
    return {name: p["threshold_confidence"] for name, p in points.items() if p.get("threshold_confidence") is not None}


def confidence_histogram(rows: list[ResultRow], thresholds: dict[str, float] | float | None = 0.5) -> Figure:
    return draw_confidence_histogram(Figure(figsize=(7, 4.5), dpi=100), rows, thresholds)


def draw_reidentification_curve(fig: Figure, summary: dict) -> Figure:
    """People re-identified against the false-match rate (log axis), one line per condition × recognizer.

    The point at 100% is no threshold at all: the best guess is right (rank-1)."""
    fig.clear()
    fig.set_layout_engine("constrained")
    ax = fig.add_subplot(1, 1, 1)
    entries = [e for e in summary.get("conditions", []) if e.get("curve")]
    recognizers = list(dict.fromkeys(e["recognizer"] for e in entries))
    markers = ("o", "s", "^", "D")
    for e in entries:  # a line style and marker per recognizer, so that lines on top of each other still show
        name = short_condition(e["name"])
        label = f"{name} · {e['recognizer']}" if len(recognizers) > 1 else name
        k = recognizers.index(e["recognizer"])
        xs = [p["fmr"] for p in e["curve"]]
        ys = [p["reidentified"] for p in e["curve"]]
        ax.plot(xs, ys, marker=markers[k % len(markers)], markersize=3 + k, linestyle=("-", "--", ":", "-.")[k % 4],
                label=label)
    fmr = summary.get("fmr")
    if fmr:
        ax.axvline(fmr, color="black", linestyle="--", linewidth=0.8)
        ax.annotate("operating point", (fmr, 0), xycoords=("data", "axes fraction"), xytext=(3, 4),
                    textcoords="offset points", fontsize="small")
    people = max((e["people"] for e in entries), default=0)
    ax.set_xscale("log")
    ax.set_xlim(0.0008, 1.25)
    ax.set_xticks([0.001, 0.01, 0.1, 1.0], ["0.1%", "1%", "10%", "100%\n(rank-1)"])
    ax.set_ylim(-0.5 if people else 0, people + 0.5 if people else 1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("false-match rate (how often a stranger passes)", fontsize="small")
    ax.set_ylabel(f"people re-identified (of {people})" if people else "people re-identified", fontsize="small")
    ax.set_title("Re-identified by strictness")
    ax.grid(True, which="major", linewidth=0.3)
    if entries:
        fig.legend(loc="outside lower center", ncol=2 if len(entries) > 1 else 1,
                   fontsize="x-small" if len(entries) > 2 else "small", frameon=False)
    return fig


def reidentification_curve(summary: dict) -> Figure:
    return draw_reidentification_curve(Figure(figsize=(7, 4.5), dpi=100), summary)


def transfer_matrix(summary: dict) -> Figure:
    """Conditions × recognizers: people re-identified, and white-box / black-box, per cell."""
    entries = summary.get("conditions", [])
    conditions = list(dict.fromkeys(e["name"] for e in entries))
    recognizers = list(dict.fromkeys(e["recognizer"] for e in entries))
    grid = np.full((len(conditions), len(recognizers)), np.nan)
    fig = Figure(figsize=(1.8 + 1.6 * max(len(recognizers), 1), 1.2 + 0.6 * max(len(conditions), 1)), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    for e in entries:
        i, j = conditions.index(e["name"]), recognizers.index(e["recognizer"])
        if e["people"]:
            grid[i, j] = e["protection_rate"]
            ax.text(j, i, f"{e['reidentified']}/{e['people']}\n{e['judged']}", ha="center", va="center", fontsize=9)
        else:  # a blank cell, never a colour that reads as "no protection"
            ax.text(j, i, f"nobody judged\n{e['judged']}", ha="center", va="center", fontsize=9)
    ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(recognizers)), recognizers)
    ax.set_yticks(range(len(conditions)), [short_condition(c) for c in conditions])
    ax.set_title("People still re-identified (colour: protection rate)")
    fig.tight_layout()
    return fig
