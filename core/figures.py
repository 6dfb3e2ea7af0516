"""Figures as matplotlib ``Figure`` objects (no pyplot state), for files and for the window."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from .results import IDENTIFIED, ResultRow

BIN_EDGES = np.linspace(0.0, 1.0, 11)


def short_condition(condition: str) -> str:
    """``import:/long/path/high`` → ``import:high``: figures have little room."""
    if condition.startswith("import:"):
        return "import:" + Path(condition.split(":", 1)[1]).name
    return condition


def series_label(row: ResultRow, several_recognizers: bool) -> str:
    name = short_condition(row.condition)
    return f"{name} · {row.recognizer}" if several_recognizers else name


def draw_confidence_histogram(fig: Figure, rows: list[ResultRow], threshold: float = 0.5) -> Figure:
    """Counts of test photos by the confidence of the best candidate, one bar series per condition.

    Photos with no candidate at all (no face found, nothing above the service's threshold, an error)
    get their own bar at the right instead of being counted as confidence 0.
    """
    fig.clear()
    fig.set_layout_engine("constrained")  # keeps the legend below the axes from covering the x label
    ax = fig.add_subplot(1, 1, 1)
    several = len({r.recognizer for r in rows}) > 1
    series: dict[str, list[ResultRow]] = {}
    for row in rows:
        series.setdefault(series_label(row, several), []).append(row)
    n = max(len(series), 1)
    width = 0.1 / n * 0.9
    fail_x = 1.1
    for i, (label, group) in enumerate(series.items()):
        values = [r.confidence for r in group if r.confidence is not None]
        counts, _ = np.histogram(values, bins=BIN_EDGES)
        offset = (i - (n - 1) / 2) * width
        centres = (BIN_EDGES[:-1] + BIN_EDGES[1:]) / 2 + offset
        identified = sum(r.outcome == IDENTIFIED for r in group)
        bars = ax.bar(centres, counts, width=width, label=f"{label} ({identified}/{len(group)} identified)")
        failures = sum(r.confidence is None for r in group)
        ax.bar([fail_x + offset], [failures], width=width, color=bars.patches[0].get_facecolor() if bars.patches else None,
               hatch="//", edgecolor="black")
    ax.axvline(1.025, color="grey", linewidth=0.8)
    ax.axvline(threshold, color="black", linestyle="--", linewidth=0.8)
    ax.annotate("threshold", (threshold, 1), xycoords=("data", "axes fraction"), xytext=(3, -12),
                textcoords="offset points", fontsize="small")
    ax.set_xticks(list(np.linspace(0, 1, 6)) + [fail_x], [f"{t:.1f}" for t in np.linspace(0, 1, 6)] + ["no\nresult"])
    ax.set_xlim(-0.05, fail_x + 0.08)
    ax.set_xlabel("confidence of the best candidate")
    ax.set_ylabel("number of test photos")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Confidence per test photo")
    if series:
        fig.legend(loc="outside lower center", ncol=2 if len(series) > 1 else 1, fontsize="small", frameon=False)
    return fig


def confidence_histogram(rows: list[ResultRow]) -> Figure:
    return draw_confidence_histogram(Figure(figsize=(7, 4.5), dpi=100), rows)


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
