"""Image statistics of one photo: the high-frequency residual (a second-order steganalysis filter) of each
YCbCr channel, inside the face box and outside it, and the difference. A cloak changes the face and little
else; a tracker has only the photo, so the background is its reference."""
from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

from ..faces import Face

RESIDUAL_KERNEL = np.array([[-1, 2, -1], [2, -4, 2], [-1, 2, -1]], dtype=np.float32) / 4
RESIDUAL_FEATURES = 3 * 10


def _statistics(residual: np.ndarray) -> list[float]:
    """Log mean magnitude, log spread, log 90th percentile of the magnitude (as ``np.percentile``'s linear rule,
    from one partition), and kurtosis; float32 pixels, float64 sums."""
    magnitude = np.abs(residual)
    centred = residual - residual.mean(dtype=np.float64)
    squared = centred * centred
    variance = squared.mean(dtype=np.float64)
    position = 0.9 * (magnitude.size - 1)
    low = int(position)
    high = min(low + 1, magnitude.size - 1)
    ranked = np.partition(magnitude, (low, high))
    percentile = ranked[low] + (ranked[high] - ranked[low]) * (position - low)
    return [np.log(magnitude.mean(dtype=np.float64) + 1e-6), np.log(np.sqrt(variance) + 1e-6),
            np.log(percentile + 1e-6), (squared * squared).mean(dtype=np.float64) / (variance ** 2 + 1e-9)]


def residual_features(rgb: np.ndarray, face: Face) -> np.ndarray:
    """``RESIDUAL_FEATURES`` numbers from ``rgb`` alone."""
    height, width = rgb.shape[:2]
    left, top, right, bottom = face.box
    inside = np.zeros((height, width), bool)
    inside[max(top, 0):max(bottom, 0), max(left, 0):max(right, 0)] = True
    if inside.all() or not inside.any():  # a face filling the photo (or none of it): compare halves of the photo
        inside[:] = False
        inside[:, : width // 2] = True
    channels = np.asarray(Image.fromarray(rgb).convert("YCbCr"), dtype=np.float32)  # float32: 3× faster
    features: list[float] = []
    for c in range(3):
        residual = ndimage.convolve(channels[..., c], RESIDUAL_KERNEL, mode="reflect")
        within, around = _statistics(residual[inside]), _statistics(residual[~inside])
        features += within + around + [within[0] - around[0], within[1] - around[1]]
    return np.asarray(features, dtype=np.float64)
