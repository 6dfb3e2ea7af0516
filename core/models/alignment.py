"""Differentiable face alignment: a similarity transform from landmarks, then bilinear sampling.

Both functions work on batches and keep gradients flowing to the image pixels.
"""
from __future__ import annotations

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
