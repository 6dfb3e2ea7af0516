"""The statistics of a study's figures: intervals, the test against clean, the spread over repeated runs."""
from __future__ import annotations

import statistics

from scipy.stats import binomtest


def wilson(k: int, n: int) -> list[float] | None:
    """95% Wilson score interval of k out of n (None for n = 0)."""
    if n <= 0:
        return None
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return [float(ci.low), float(ci.high)]


def mcnemar(clean: dict[str, bool], other: dict[str, bool]) -> tuple[int, float]:
    """Exact McNemar test on the people judged in both: (people whose outcome changed, two-sided p)."""
    common = clean.keys() & other.keys()
    lost = sum(clean[p] and not other[p] for p in common)
    gained = sum(other[p] and not clean[p] for p in common)
    changed = lost + gained
    return changed, (1.0 if changed == 0 else float(binomtest(lost, changed, 0.5).pvalue))


def spread(values: list[float | None]) -> dict[str, float] | None:
    """Mean, min and max of the values there are (a run where nobody could be judged has no rate); None if none."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    return {"mean": statistics.fmean(present), "min": min(present), "max": max(present)}
