"""Differentiable face alignment: a similarity transform from landmarks, then bilinear sampling.

* ``similarity_from_points`` + ``warp``: a general aligned crop; ``aligned_crop``, the one the TF.js
  networks use, puts the eyes and nose base of dlib's 5 points on a template;
* ``dlib_face_chip``: dlib's own 5-point face chip (``dlib.get_face_chip``), pixel for pixel.

All work on batches and keep gradients flowing to the image pixels.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


def similarity_from_points(src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
    """Least-squares similarity transform (Umeyama, no reflection) taking ``src`` points onto ``dst``.

    ``src``: (B, N, 2); ``dst``: (N, 2) or (B, N, 2). Returns (B, 2, 3) matrices ``M`` with
    ``dst ≈ M[:, :, :2] @ src + M[:, :, 2]``.
    """
    src = src.to(torch.float64)
    dst = dst.to(src).expand_as(src)
    mu_s, mu_d = src.mean(1, keepdim=True), dst.mean(1, keepdim=True)
    s0, d0 = src - mu_s, dst - mu_d
    var_s = (s0**2).sum(dim=(1, 2)) / src.shape[1]
    cov = d0.transpose(1, 2) @ s0 / src.shape[1]
    u, sig, vt = torch.linalg.svd(cov)
    d = torch.ones_like(sig)
    d[:, -1] = torch.sign(torch.linalg.det(u @ vt))
    rot = u @ torch.diag_embed(d) @ vt
    scale = (sig * d).sum(1) / var_s
    a = scale[:, None, None] * rot
    t = mu_d.transpose(1, 2) - a @ mu_s.transpose(1, 2)
    return torch.cat([a, t], dim=2)


def warp(image: torch.Tensor, matrix: torch.Tensor, size: int | tuple[int, int]) -> torch.Tensor:
    """Sample ``image`` (B, C, H, W) into (B, C, size, size): output pixel p shows image point M⁻¹ p.

    ``matrix`` (B, 2, 3) maps image pixel coordinates to output pixel coordinates (pixel centres at
    integers). Bilinear, zeros outside the image.
    """
    out_h, out_w = (size, size) if isinstance(size, int) else size
    b, _, h, w = image.shape
    m = matrix.to(torch.float64)
    full = torch.cat([m, torch.tensor([0.0, 0.0, 1.0], dtype=m.dtype, device=m.device).expand(b, 1, 3)], 1)
    inv = torch.linalg.inv(full)[:, :2]
    ys, xs = torch.meshgrid(
        torch.arange(out_h, dtype=m.dtype, device=m.device), torch.arange(out_w, dtype=m.dtype, device=m.device), indexing="ij"
    )
    grid = torch.stack([xs, ys, torch.ones_like(xs)], -1).reshape(1, -1, 3)
    src = grid @ inv.transpose(1, 2)  # (B, out_h*out_w, 2) in image pixels
    norm = torch.stack([(src[..., 0] * 2 + 1) / w - 1, (src[..., 1] * 2 + 1) / h - 1], -1)
    norm = norm.reshape(b, out_h, out_w, 2).to(image.dtype)
    return F.grid_sample(image, norm, mode="bilinear", padding_mode="zeros", align_corners=False)


def eyes_and_nose(landmarks: torch.Tensor) -> torch.Tensor:
    """(B, 5, 2) dlib 5-point landmarks → (B, 3, 2): image-left eye centre, image-right eye centre,
    nose base. dlib lists the image-right eye's corners first (points 0-1), then the other (2-3)."""
    return torch.stack([landmarks[:, 2:4].mean(1), landmarks[:, 0:2].mean(1), landmarks[:, 4]], 1)


def aligned_crop(image: torch.Tensor, landmarks: torch.Tensor, template, size: int) -> torch.Tensor:
    """The (B, 3, size, size) crop that puts the eyes and nose base of each face on ``template``."""
    dst = torch.tensor(template, dtype=torch.float64, device=image.device)
    matrix = similarity_from_points(eyes_and_nose(landmarks.to(image.device)), dst)
    return warp(image, matrix, size)


# ---------------------------------------------------------------------------------------------
# dlib's face chip (dlib.get_face_chip / compute_face_descriptor), reproduced step by step.
#
# dlib maps a 5-point template onto the landmarks with a least-squares similarity, turns that into a
# rotated rectangle in the photo, and fills the chip by bilinear sampling in double precision, each
# sample stored as 8-bit by truncation; a sample whose 2×2 neighbourhood is not wholly inside the
# photo is black. Arithmetic is done in the same order as dlib so that the truncation lands on the
# same grey level.

# dlib's 5-point template on the unit square (get_face_chip_details), in the 5-point model's order.
DLIB_TEMPLATE_5 = (
    (0.8595674595992, 0.2134981538014),
    (0.6460604764104, 0.2289674387677),
    (0.1205750620789, 0.2137274526848),
    (0.3340850613712, 0.2290642403242),
    (0.4901123135679, 0.6277975316475),
)


def dlib_chip_geometry(landmarks: np.ndarray, size: int, padding: float) -> tuple[np.ndarray, float]:
    """dlib's chip_details for a 5-point shape: the chip rectangle (left, top, right, bottom) in
    photo pixels, before rotation, and the rotation angle (radians)."""
    template = (padding + np.array(DLIB_TEMPLATE_5)) / (2 * padding + 1) * size
    points = np.asarray(landmarks, dtype=np.float64)
    # Least-squares similarity chip → photo (Umeyama; in 2-D a closed form).
    mean_t, mean_p = template.mean(0), points.mean(0)
    t0, p0 = template - mean_t, points - mean_p
    norm = (t0**2).sum()
    a = (t0[:, 0] * p0[:, 0] + t0[:, 1] * p0[:, 1]).sum() / norm
    b = (t0[:, 0] * p0[:, 1] - t0[:, 1] * p0[:, 0]).sum() / norm
    m = np.array([[a, -b], [b, a]])
    offset = mean_p - m @ mean_t
    angle = math.atan2(b, a)
    scale = math.hypot(a, b)
    centre = m @ np.array([size / 2.0, size / 2.0]) + offset
    half = (size * scale - 1) / 2  # dlib's centered_drect: rectangles include both end pixels
    return np.array([centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half]), angle


def _rotate(centre: np.ndarray, point: np.ndarray, angle: float) -> np.ndarray:
    cos, sin = math.cos(angle), math.sin(angle)
    x, y = point - centre
    return np.array([cos * x - sin * y, sin * x + cos * y]) + centre


def _rect_down(rect: np.ndarray) -> np.ndarray:
    """dlib's pyramid_down<2>::rect_down."""
    return np.array([rect[0] / 2.0 - 1.25, rect[1] / 2.0 - 0.75, rect[2] / 2.0 - 1.25, rect[3] / 2.0 - 0.75])


def _area(rect: np.ndarray) -> float:
    width, height = rect[2] - rect[0] + 1, rect[3] - rect[1] + 1
    return 0.0 if width <= 0 or height <= 0 else width * height


def _floor_straight_through(values: torch.Tensor) -> torch.Tensor:
    """Whole grey levels forwards (dlib stores the chip as 8-bit), the identity backwards."""
    return values + (torch.floor(values) - values).detach()


def dlib_face_chip(
    image: torch.Tensor, landmarks: torch.Tensor, size: int = 150, padding: float = 0.25, quantize: bool = True
) -> torch.Tensor:
    """dlib's aligned face chips (B, C, size, size) of ``image`` (B, C, H, W) float 0..255 at 5-point
    ``landmarks`` (B, 5, 2), differentiable with respect to ``image``.

    ``quantize`` truncates to whole grey levels like dlib (gradients pass straight through).
    """
    batch, channels, height, width = image.shape
    points = landmarks.detach().to("cpu", torch.float64).numpy()
    plans = [_chip_plan(tuple(face.ravel().tolist()), height, width, size, padding) for face in points]
    if all(plan.pyramid_levels == 0 for plan in plans):
        # Sample straight from the photos, one gather for the batch (its gradient is one scatter).
        index = torch.stack([plan.photo_index for plan in plans]).to(image.device)
        flat = image.reshape(batch, channels, height * width)
        corners = torch.gather(flat, 2, index[:, None, :].expand(-1, channels, -1)).to(torch.float64)
        chips = [_bilinear(c.reshape(channels, 4, -1), plan, quantize) for c, plan in zip(corners, plans)]
    else:
        chips = [_chip_from_region(photo, plan, quantize) for photo, plan in zip(image.unbind(0), plans)]
    return torch.stack(chips).reshape(batch, channels, size, size).to(image.dtype)


def dlib_chip_source_box(landmarks, height: int, width: int, size: int = 150, padding: float = 0.25) -> tuple[int, int, int, int]:
    """(left, top, right, bottom), inclusive, of the photo pixels dlib's chip at these landmarks (5, 2)
    reads; nothing outside changes the chip. A crop that contains this box gives the same chip
    (with the landmarks shifted by the crop's corner)."""
    points = np.asarray(landmarks, dtype=np.float64).reshape(-1)
    top, bottom, left, right = _chip_plan(tuple(points.tolist()), height, width, size, padding).region
    return left, top, right, bottom


@dataclass(frozen=True)
class _ChipPlan:
    """Where one chip's samples come from; depends only on the landmarks and the photo's size, so
    it is computed once for the hundreds of passes that cloaking makes over the same face."""

    region: tuple[int, int, int, int]  # top, bottom, left, right (inclusive) of the photo dlib works in
    pyramid_levels: int  # how many times dlib halves that region before sampling
    photo_index: torch.Tensor  # flat photo indices of the tl, tr, bl, br neighbours of all samples (4·N)
    region_index: torch.Tensor  # the same in the (downsampled) region
    lr: torch.Tensor  # fractional offsets of each sample (float64)
    tb: torch.Tensor
    inside: torch.Tensor  # samples whose 2×2 neighbourhood lies in the region (the others are black)


def _neighbour_index(x0: torch.Tensor, y0: torch.Tensor, inside: torch.Tensor, width: int) -> torch.Tensor:
    """Flat indices of the tl, tr, bl, br neighbours, one block after the other (4·N); samples not
    inside read pixel 0 (they are blacked out afterwards)."""
    tl = torch.where(inside, y0 * width + x0, torch.zeros_like(x0))
    return torch.cat([tl, tl + inside, tl + width * inside, tl + (width + 1) * inside])


@functools.lru_cache(maxsize=64)
def _chip_plan(landmarks: tuple[float, ...], height: int, width: int, size: int, padding: float) -> _ChipPlan:
    rect, angle = dlib_chip_geometry(np.array(landmarks).reshape(-1, 2), size, padding)
    centre = np.array([(rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2])
    corners = [np.array(c, dtype=np.float64) for c in ((rect[0], rect[1]), (rect[2], rect[1]), (rect[0], rect[3]), (rect[2], rect[3]))]
    rotated = np.array([_rotate(centre, c, angle) for c in corners])

    # The region dlib works in: the rotated rectangle grown by a border (more when it downsamples
    # first), rounded to whole pixels and clipped to the photo.
    grow = 2.0
    down = _rect_down(rect)
    while _area(down) > size * size:
        down = _rect_down(down)
        grow = grow * 2 + 2
    left, top = np.floor(rotated.min(0) - grow + 0.5).astype(int)
    right, bottom = np.floor(rotated.max(0) + grow + 0.5).astype(int)
    left, top, right, bottom = max(int(left), 0), max(int(top), 0), min(int(right), width - 1), min(int(bottom), height - 1)
    h, w = bottom - top + 1, right - left + 1

    # Downsample while the chip would still cover more than twice its size (dlib's choice of level).
    local = rect - np.array([left, top, left, top], dtype=np.float64)
    levels = 0
    while _area(_rect_down(local)) > size * size:
        levels += 1
        local = _rect_down(local)
        h, w = (h - 3) // 2, (w - 3) // 2

    # Chip corners (0,0), (size-1,0), (0,size-1) go to the rotated rectangle's corners.
    centre = np.array([(local[0] + local[2]) / 2, (local[1] + local[3]) / 2])
    tl = _rotate(centre, np.array([local[0], local[1]]), angle)
    tr = _rotate(centre, np.array([local[2], local[1]]), angle)
    bl = _rotate(centre, np.array([local[0], local[3]]), angle)
    m = np.stack([(tr - tl) / (size - 1), (bl - tl) / (size - 1)], axis=1)
    rows, cols = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    x = (m[0, 0] * cols + m[0, 1] * rows + tl[0]).reshape(-1)
    y = (m[1, 0] * cols + m[1, 1] * rows + tl[1]).reshape(-1)
    x0, y0 = torch.floor(x), torch.floor(y)
    inside = (x0 >= 0) & (y0 >= 0) & (x0 + 1 < w) & (y0 + 1 < h)
    col, row = x0.long(), y0.long()
    photo_index = _neighbour_index(col + left, row + top, inside, width)
    region_index = _neighbour_index(col, row, inside, w)
    return _ChipPlan((top, bottom, left, right), levels, photo_index, region_index, x - x0, y - y0, inside)


def _chip_from_region(photo: torch.Tensor, plan: _ChipPlan, quantize: bool) -> torch.Tensor:
    """The chip when dlib first downsamples the face's region with its pyramid."""
    top, bottom, left, right = plan.region
    region = photo[:, top : bottom + 1, left : right + 1].to(torch.float64)
    for _ in range(plan.pyramid_levels):
        region = pyramid_down_2(region, quantize)
    channels = region.shape[0]
    corners = region.reshape(channels, -1)[:, plan.region_index.to(region.device)]
    return _bilinear(corners.reshape(channels, 4, -1), plan, quantize)


def _bilinear(corners: torch.Tensor, plan: _ChipPlan, quantize: bool) -> torch.Tensor:
    """dlib's interpolate_bilinear from the (C, 4, N) float64 neighbours tl, tr, bl, br of each sample,
    in dlib's order of operations; samples not wholly inside are black."""
    tl, tr, bl, br = corners.unbind(1)
    lr, tb = plan.lr.to(corners.device), plan.tb.to(corners.device)
    values = (1 - tb) * ((1 - lr) * tl + lr * tr) + tb * ((1 - lr) * bl + lr * br)
    values = values.clamp(0, 255)
    if quantize:
        values = _floor_straight_through(values)
    return values * plan.inside.to(corners.device)


def pyramid_down_2(region: torch.Tensor, quantize: bool = True) -> torch.Tensor:
    """dlib's pyramid_down<2> for RGB images: a 5×5 binomial filter ([1 4 6 4 1]² / 256) without
    padding, keeping every other row and column (output (h−3)//2 × (w−3)//2), stored as 8-bit."""
    channels, h, w = region.shape
    taps = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=region.dtype, device=region.device)
    kernel = (taps[:, None] * taps[None, :] / 256.0).expand(channels, 1, 5, 5)
    out = F.conv2d(region[None], kernel, stride=2, groups=channels)[0][:, : (h - 3) // 2, : (w - 3) // 2]
    return _floor_straight_through(out) if quantize else out
