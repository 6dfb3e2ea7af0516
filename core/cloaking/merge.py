"""Write each face's change into the full-resolution photo, in whole grey levels.

As the original wrote it: the change is added, rounded and clipped; nothing is measured again (the
DSSIM is reported, not enforced). Strict budget: a face that rounding pushed over its budget has its
change scaled down, by bisection, to the largest fraction that fits; a fraction of 0 is the
original face, so the result is always within budget, and a face that had to give ground says so.
"""
from __future__ import annotations

import numpy as np
import torch

from .crops import BudgetMeter, FaceRegion, photo_tensor

BISECTIONS = 12


def _compose(original: torch.Tensor, regions: list[FaceRegion], changes, scales) -> torch.Tensor:
    total = torch.zeros_like(original)
    for region, change, scale in zip(regions, changes, scales):
        l, t, r, b = region.crop
        total[:, t:b, l:r] += scale * change.to(total)
    return torch.clamp(original + total.round(), 0, 255)


def write_faces(rgb: np.ndarray, regions: list[FaceRegion], changes: list[torch.Tensor], version: str,
                limit: float | None) -> tuple[np.ndarray, list[float], str]:
    """The cloaked photo (H, W, 3) uint8, each face's DSSIM on its budget view, and a note.
    ``limit``: None as the original wrote it; the strict budget otherwise."""
    original = photo_tensor(rgb)
    scales = [1.0] * len(regions)
    cloaked = _compose(original, regions, changes, scales)
    meter = BudgetMeter(original, regions, version)
    measured = meter.dssim(cloaked)
    note = ""
    if limit is not None and any(d > limit for d in measured):
        low = {i: 0.0 for i, d in enumerate(measured) if d > limit}
        high = {i: 1.0 for i in low}
        for _ in range(BISECTIONS):
            for i in low:
                scales[i] = (low[i] + high[i]) / 2
            measured = meter.dssim(_compose(original, regions, changes, scales))
            for i in low:
                if measured[i] <= limit:
                    low[i] = scales[i]
                else:
                    high[i] = scales[i]
        for i in low:
            scales[i] = low[i]
        cloaked = _compose(original, regions, changes, scales)
        measured = meter.dssim(cloaked)
        for i, d in enumerate(measured):  # faces whose crops overlap can still push each other over
            if d > limit:
                scales[i] = 0.0
        if any(d > limit for d in measured):
            cloaked = _compose(original, regions, changes, scales)
            measured = meter.dssim(cloaked)
        kept = min(scales)
        note = f"rounding to whole grey levels took a face over budget: its change was scaled to {kept:.0%} to fit"
    return cloaked.permute(1, 2, 0).to(torch.uint8).numpy(), measured, note
