"""Where each face is changed and where its DSSIM budget is measured (specification, step 3).

* The **crop** is the part of the photo the cloak may change: v0.3.1 the face box grown by a 0.7
  margin (0.7/1.5 when the photo has several faces), v1.0 the face box itself; clipped to the photo.
* The **budget square** is how the version looked at that crop: v0.3.1 pasted at the top-left of a
  black square of side max(h, w), resized to 224; v1.0 centred on a square of side max(h, w) + 30
  filled with the crop's mean colour, resized to 112. DSSIM is measured between the budget squares of
  the original and the cloaked photo.
* The **context** is the larger part of the photo the feature extractors get, so that their own
  face crop (dlib's chip reaches well past the face box) sees the same pixels as on the whole photo.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

MARGIN_ONE_FACE = 0.7
MARGIN_SEVERAL_FACES = 0.7 / 1.5
CONTEXT_GROWTH = 0.5  # face widths added on each side for the extractors' own crops
V10_SQUARE_EXTRA = 30

Box = tuple[int, int, int, int]  # left, top, right, bottom; right/bottom exclusive


@dataclass(frozen=True)
class FaceRegion:
    crop: Box
    context: Box

    @property
    def crop_in_context(self) -> Box:
        cl, ct = self.context[:2]
        left, top, right, bottom = self.crop
        return left - cl, top - ct, right - cl, bottom - ct


def _grow(box, amount_x: float, amount_y: float, height: int, width: int) -> Box:
    left, top, right, bottom = box
    return (
        max(0, math.floor(left - amount_x)),
        max(0, math.floor(top - amount_y)),
        min(width, math.ceil(right + amount_x)),
        min(height, math.ceil(bottom + amount_y)),
    )


def face_region(face_box, height: int, width: int, version: str, faces_in_photo: int) -> FaceRegion:
    left, top, right, bottom = face_box
    w, h = right - left, bottom - top
    if version == "0.3":
        margin = MARGIN_ONE_FACE if faces_in_photo == 1 else MARGIN_SEVERAL_FACES
        crop = _grow(face_box, margin * w / 2, margin * h / 2, height, width)
    else:
        crop = _grow(face_box, 0, 0, height, width)
    if crop[2] - crop[0] < 2 or crop[3] - crop[1] < 2:
        raise ValueError("the face lies outside the photo")
    around = _grow(face_box, CONTEXT_GROWTH * w, CONTEXT_GROWTH * h, height, width)
    context = (min(around[0], crop[0]), min(around[1], crop[1]), max(around[2], crop[2]), max(around[3], crop[3]))
    return FaceRegion(crop, context)


def resize_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of an antialiased linear resize (a triangle filter widened by the
    downscale factor, as Pillow's BILINEAR does), so every input pixel counts."""
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out) + 0.5) * scale
    distance = (np.arange(n_in)[None, :] + 0.5 - centres[:, None]) / support
    weights = np.clip(1 - np.abs(distance), 0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def square_weights(h: int, w: int, version: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Row (S, h) and column (S, w) weights taking a crop to its budget square (without the fill)."""
    if version == "0.3":
        side, size, top, left = max(h, w), 224, 0, 0
    else:
        side, size = max(h, w) + V10_SQUARE_EXTRA, 112
        top, left = (side - h) // 2, (side - w) // 2
    weights = torch.from_numpy(resize_weights(side, size)).float()
    return weights[:, top : top + h], weights[:, left : left + w]


def budget_square(crop: torch.Tensor, version: str, fill: torch.Tensor | None = None, weights=None) -> torch.Tensor:
    """The version's square view (3, S, S) of a crop (3, h, w) float 0..255; differentiable.

    v0.3.1's square is black around the crop; v1.0's is ``fill`` (3,), the mean colour of the
    *original* crop, shared by the original and the cloaked view as the original tool's single crop
    did. ``weights``: ``square_weights(h, w, version)`` when the caller keeps them.
    """
    rows, cols = weights if weights is not None else square_weights(crop.shape[1], crop.shape[2], version)
    rows, cols = rows.to(crop), cols.to(crop)
    if version == "0.3":
        return rows @ crop @ cols.T
    if fill is None:
        fill = crop.detach().mean(dim=(1, 2))
    fill = fill.to(crop).view(3, 1, 1)
    return rows @ (crop - fill) @ cols.T + fill
