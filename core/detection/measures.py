"""How well a detector's scores separate cloaked from clean photos: the AUC (the chance that a cloaked photo
scores above a clean one), its 95% interval by a seeded bootstrap over groups (people), and the share of
cloaked photos caught when the threshold lets 1 in 20 clean photos be falsely flagged."""
from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

FALSE_FLAG_RATE = 0.05  # 1 in 20 clean photos flagged by mistake
BOOTSTRAP_RESAMPLES = 1000


def auc(scores: np.ndarray, cloaked: np.ndarray) -> float | None:
    """Mann–Whitney AUC (ties count a half); None without both sides. The value of scikit-learn's
    ``roc_auc_score`` (checked equal in tests/core/detection), computed from ranks because that function checks
    its input on every call, which made the 1000 bootstrap draws of an interval 18 times slower."""
    cloaked = np.asarray(cloaked, bool)
    positives, negatives = int(cloaked.sum()), int((~cloaked).sum())
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(scores)
    return float((ranks[cloaked].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def flag_threshold(clean_scores: np.ndarray, rate: float = FALSE_FLAG_RATE) -> float:
    """The lowest threshold (flagged: score above it) that flags at most ``rate`` of the clean photos."""
    ordered = np.sort(np.asarray(clean_scores, dtype=np.float64))[::-1]
    allowed = int(np.floor(rate * len(ordered) + 1e-9))
    return float(ordered[min(allowed, len(ordered) - 1)])


def caught_share(scores: np.ndarray, cloaked: np.ndarray, rate: float = FALSE_FLAG_RATE) -> float | None:
    cloaked = np.asarray(cloaked, bool)
    if not cloaked.any() or cloaked.all():
        return None
    threshold = flag_threshold(scores[~cloaked], rate)
    return float((scores[cloaked] > threshold).mean())


def bootstrap_interval(scores: np.ndarray, cloaked: np.ndarray, groups: list[str], seed: int,
                       resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float] | None:
    """2.5th and 97.5th percentiles of the AUC over ``resamples`` draws of whole groups with replacement."""
    cloaked = np.asarray(cloaked, bool)
    names = sorted(set(groups))
    members = {name: [] for name in names}
    for i, group in enumerate(groups):
        members[group].append(i)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        picked = np.concatenate([members[names[j]] for j in rng.integers(0, len(names), len(names))])
        value = auc(scores[picked], cloaked[picked])
        if value is not None:
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)
