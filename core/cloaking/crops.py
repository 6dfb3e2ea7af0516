"""Where each face is changed and how the original Fawkes looked at it (specification, steps 3 and §7).

* The **crop** is the part of the photo the cloak may change: v0.3.1 the face box grown by a 0.7
  margin (0.7/1.5 when the photo has several faces) the way 0.3.1 grew it (left and top by
  int(w·margin)/2, right and bottom by int(h·margin)/2), v1.0 the face box itself; clipped to the photo.
* The **budget view** is the picture of that crop the original measured DSSIM on: v0.3.1 pasted at
  the top-left of a black square of side max(h, w), v1.0 centred on a square of side max(h, w) + 30
  filled with the crop's mean colour; then Keras' ``array_to_img`` stretch (× 255 / the square's
  maximum) and Pillow's BICUBIC resize to 224 (v0.3.1) or 112 (v1.0). It is linear in the crop, so
  it is one pair of matrix products, differentiable.
* The **context** is the larger part of the photo the feature extractors get, so that their own
  face crop (dlib's chip reaches well past the face box) sees the same pixels as on the whole photo.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from .banded import FaceView
from .dssim import Reference

MARGIN_ONE_FACE = 0.7
MARGIN_SEVERAL_FACES = 0.7 / 1.5
CONTEXT_GROWTH = 0.5  # face widths added on each side for the extractors' own crops
V10_SQUARE_EXTRA = 30
# The original's face boxes came from MTCNN, which frames a face narrower and taller (forehead to chin)
# than dlib's HOG detector: fitted on the footprints of the real 0.3.1 cloaks of IMM persons 02-04
# (15 cloaks, spread about 0.02-0.06 of the box), dlib's box × 0.893 wide and × 1.167 tall, centred,
# its bottom 0.018 of the height lower.
MTCNN_WIDTH, MTCNN_HEIGHT, MTCNN_BOTTOM = 0.893, 1.167, 0.018
VIEW_SIZE = {"0.3": 224, "1.0": 112}
VIEW_NAME = {"0.3": "0.3.1 crop view (224 px)", "1.0": "1.0 crop view (112 px)"}
BICUBIC_A = -0.5  # Pillow's bicubic kernel

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


def original_box(face_box) -> tuple[float, float, float, float]:
    """The box MTCNN would have given the original for a face dlib found at ``face_box``."""
    left, top, right, bottom = face_box
    w, h = right - left, bottom - top
    centre, bottom = (left + right) / 2, bottom + MTCNN_BOTTOM * h
    return centre - MTCNN_WIDTH * w / 2, bottom - MTCNN_HEIGHT * h, centre + MTCNN_WIDTH * w / 2, bottom


def face_region(face_box, height: int, width: int, version: str, faces_in_photo: int) -> FaceRegion:
    """The crop the original would have changed (from its own, MTCNN-like, box) and the extractors' context."""
    left, top, right, bottom = original_box(face_box)
    w, h = right - left, bottom - top
    if version == "0.3":
        margin = MARGIN_ONE_FACE if faces_in_photo == 1 else MARGIN_SEVERAL_FACES
        near, far = int(w * margin) / 2, int(h * margin) / 2  # 0.3.1's own (asymmetric) arithmetic
        crop = (max(0, int(left - near)), max(0, int(top - near)), min(width, int(right + far)), min(height, int(bottom + far)))
    else:
        crop = _grow((left, top, right, bottom), 0, 0, height, width)
    if crop[2] - crop[0] < 2 or crop[3] - crop[1] < 2:
        raise ValueError("the face lies outside the photo")
    dlib_w, dlib_h = face_box[2] - face_box[0], face_box[3] - face_box[1]
    around = _grow(face_box, CONTEXT_GROWTH * dlib_w, CONTEXT_GROWTH * dlib_h, height, width)
    context = (min(around[0], crop[0]), min(around[1], crop[1]), max(around[2], crop[2]), max(around[3], crop[3]))
    return FaceRegion(crop, context)


def _bicubic(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    a = BICUBIC_A
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = (((x - 5) * x + 8) * x - 4) * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


@functools.lru_cache(maxsize=256)
def _resize_weights(n_in: int, n_out: int) -> np.ndarray:
    weights = resize_weights(n_in, n_out)
    weights.flags.writeable = False
    return weights


def resize_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of Pillow's BICUBIC resize along one axis (its kernel widened by the
    downscale factor, its window bounds), in floating point."""
    scale = n_in / n_out
    filter_scale = max(scale, 1.0)
    support = 2.0 * filter_scale
    weights = np.zeros((n_out, n_in))
    for i in range(n_out):
        centre = (i + 0.5) * scale
        lo = max(int(centre - support + 0.5), 0)
        hi = min(int(centre + support + 0.5), n_in)
        taps = _bicubic((np.arange(lo, hi) - centre + 0.5) / filter_scale)
        weights[i, lo:hi] = taps / taps.sum()
    return weights


def _square_geometry(h: int, w: int, version: str) -> tuple[int, int, int]:
    if version == "0.3":
        return max(h, w), 0, 0
    side = max(h, w) + V10_SQUARE_EXTRA
    return side, (side - h) // 2, (side - w) // 2


class BudgetView:
    """The original's view of one face crop (3, h, w) float 0..255, fixed by the *original* crop: its
    stretch factor (255 / the square's maximum) and, for v1.0, its mean-colour fill."""

    def __init__(self, original_crop: torch.Tensor, version: str):
        self.version = version
        _, h, w = original_crop.shape
        side, top, left = _square_geometry(h, w, version)
        size = VIEW_SIZE[version]
        weights = torch.from_numpy(_resize_weights(side, size).copy()).to(original_crop)
        self.rows, self.cols = weights[:, top : top + h], weights[:, left : left + w]
        # v0.3.1's square is black around the crop; v1.0's is the crop's mean colour (never changed)
        self.fill = torch.zeros(3).to(original_crop) if version == "0.3" else original_crop.mean(dim=(1, 2)).detach()
        peak = float(original_crop.max())
        self.stretch = 255.0 / peak if peak > 0 else 1.0

    def square(self, crop: torch.Tensor, banded: FaceView | None = None) -> torch.Tensor:
        """(3, S, S) view of a crop in photo grey levels; the resize as dense products, or band by band
        with ``banded`` (this view's ``FaceView``)."""
        fill = self.fill.to(crop).view(3, 1, 1)
        resized = banded.forward(crop - fill) if banded is not None else self.rows.to(crop) @ (crop - fill) @ self.cols.T.to(crop)
        return self.stretch * (resized + fill)

    def merge_stretch(self, original_crop_uint8: np.ndarray) -> float:
        """k′: the factor ``array_to_img`` stretches the original's 224/112 view by again when the
        original merges the cloak back (255 / the view's maximum, the view as Pillow makes it in 8 bits)."""
        h, w = original_crop_uint8.shape[:2]
        side, top, left = _square_geometry(h, w, self.version)
        square = np.empty((side, side, 3), dtype=np.float64)
        square[:] = self.fill.detach().cpu().double().numpy()
        square[top : top + h, left : left + w] = original_crop_uint8
        stretched = (square * self.stretch).astype(np.uint8)
        size = VIEW_SIZE[self.version]
        view = np.asarray(Image.fromarray(stretched).resize((size, size), Image.Resampling.BICUBIC))
        peak = int(view.max())
        return 255.0 / peak if peak > 0 else 1.0


def photo_tensor(rgb: np.ndarray) -> torch.Tensor:
    """(3, H, W) float64 of an RGB uint8 photo."""
    return torch.from_numpy(np.array(rgb, dtype=np.float64)).permute(2, 0, 1)


class BudgetMeter:
    """Each face's DSSIM on its budget view, between one original photo and any number of candidates
    (the strict budget's bisection measures a dozen): each face's view, as banded products, and its
    SSIM reference are made once."""

    def __init__(self, original: torch.Tensor, regions: list[FaceRegion], version: str):
        self.crops = [region.crop for region in regions]
        self.faces = []
        for l, t, r, b in self.crops:
            view = BudgetView(original[:, t:b, l:r], version)
            banded = FaceView(view.rows, view.cols)
            self.faces.append((view, banded, Reference(view.square(original[:, t:b, l:r], banded)[None])))

    def dssim(self, photo: torch.Tensor) -> list[float]:
        return [float(reference.dssim(view.square(photo[:, t:b, l:r], banded)[None])[0])
                for (view, banded, reference), (l, t, r, b) in zip(self.faces, self.crops)]


def budget_dssim(original: torch.Tensor, cloaked: torch.Tensor, regions: list[FaceRegion], version: str) -> list[float]:
    """DSSIM per face on the original's budget view, between two photos (3, H, W) float: the one
    measure the engine keeps, the guard checks and ``compare`` reports."""
    return BudgetMeter(original, regions, version).dssim(cloaked)
