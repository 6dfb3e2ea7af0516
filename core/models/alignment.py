"""Differentiable face alignment: a similarity transform from landmarks, then bilinear sampling.

Both functions work on batches and keep gradients flowing to the image pixels.
"""
from __future__ import annotations

import math

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
    chips = []
    points = landmarks.detach().to("cpu", torch.float64).numpy()
    for b in range(image.shape[0]):
        chips.append(_one_chip(image[b], points[b], size, padding, quantize))
    return torch.stack(chips)


def _one_chip(image: torch.Tensor, landmarks: np.ndarray, size: int, padding: float, quantize: bool) -> torch.Tensor:
    _, height, width = image.shape
    rect, angle = dlib_chip_geometry(landmarks, size, padding)
    centre = np.array([(rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2])
    corners = [np.array(c, dtype=np.float64) for c in ((rect[0], rect[1]), (rect[2], rect[1]), (rect[0], rect[3]), (rect[2], rect[3]))]
    rotated = np.array([_rotate(centre, c, angle) for c in corners])

    # The region dlib works in: the rotated rectangle grown by a border (more when it downsamples
    # first), rounded to whole pixels and clipped to the photo.
    depth, grow = 0, 2.0
    down = _rect_down(rect)
    while _area(down) > size * size:
        down = _rect_down(down)
        depth += 1
        grow = grow * 2 + 2
    left, top = np.floor(rotated.min(0) - grow + 0.5).astype(int)
    right, bottom = np.floor(rotated.max(0) + grow + 0.5).astype(int)
    left, top, right, bottom = max(left, 0), max(top, 0), min(right, width - 1), min(bottom, height - 1)
    region = image[:, top : bottom + 1, left : right + 1].to(torch.float64)

    local = rect - np.array([left, top, left, top], dtype=np.float64)
    level = -1
    while _area(_rect_down(local)) > size * size:
        level += 1
        local = _rect_down(local)
    for _ in range(level + 1):
        region = pyramid_down_2(region)

    # Chip corners (0,0), (size-1,0), (0,size-1) go to the rotated rectangle's corners.
    centre = np.array([(local[0] + local[2]) / 2, (local[1] + local[3]) / 2])
    tl = _rotate(centre, np.array([local[0], local[1]]), angle)
    tr = _rotate(centre, np.array([local[2], local[1]]), angle)
    bl = _rotate(centre, np.array([local[0], local[3]]), angle)
    m = np.stack([(tr - tl) / (size - 1), (bl - tl) / (size - 1)], axis=1)
    return _sample_bilinear(region, m, tl, size, quantize).to(image.dtype)


def _sample_bilinear(region: torch.Tensor, m: np.ndarray, offset: np.ndarray, size: int, quantize: bool) -> torch.Tensor:
    """dlib's transform_image with interpolate_bilinear, black outside, from a (C, h, w) float64 region."""
    channels, h, w = region.shape
    rows, cols = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    x = m[0, 0] * cols + m[0, 1] * rows + offset[0]
    y = m[1, 0] * cols + m[1, 1] * rows + offset[1]
    left, top = torch.floor(x), torch.floor(y)
    inside = (left >= 0) & (top >= 0) & (left + 1 < w) & (top + 1 < h)
    lr, tb = x - left, y - top
    index = torch.where(inside, top * w + left, torch.zeros_like(left)).long().reshape(-1)
    flat = region.reshape(channels, -1)
    tl, tr = flat[:, index], flat[:, torch.clamp(index + 1, max=h * w - 1)]
    bl, br = flat[:, torch.clamp(index + w, max=h * w - 1)], flat[:, torch.clamp(index + w + 1, max=h * w - 1)]
    lr, tb = lr.reshape(-1), tb.reshape(-1)
    values = (1 - tb) * ((1 - lr) * tl + lr * tr) + tb * ((1 - lr) * bl + lr * br)
    values = values.clamp(0, 255)
    if quantize:
        values = _floor_straight_through(values)
    values = values * inside.reshape(-1)
    return values.reshape(channels, size, size)


def pyramid_down_2(region: torch.Tensor) -> torch.Tensor:
    raise NotImplementedError("dlib's pyramid for large faces is not reproduced yet")
