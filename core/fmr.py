"""The strictness of an operating point: the false-match rates the app offers, and how they are said.

Apart from ``core.metrics`` because the window names these choices before any number is computed: importing
them must not load the statistics (scipy), which would cost the window a second at start-up.
"""
from __future__ import annotations

DEFAULT_FMR = 0.01
FMR_CHOICES = (0.001, 0.01, 0.1)
CURVE_FMRS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def fmr_words(fmr: float | None) -> str:
    """0.01 → "1 stranger in 100"; None (not calibrated) → "the recognizer's own threshold"."""
    if fmr is None:
        return "the recognizer's own threshold"
    if fmr >= 1:
        return "no threshold"
    return f"1 stranger in {round(1 / fmr):,}"


def fmr_label(fmr: float) -> str:
    """0.001 → "0.1%", 0.01 → "1%"."""
    return f"{fmr * 100:g}%"
