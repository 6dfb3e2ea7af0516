"""DSSIM exactly as the Fawkes specification measures its perceptual budget.

SSIM the way TensorFlow's ``tf.image.ssim`` computes it: an 11×11 Gaussian window (σ = 1.5,
normalised), per channel on RGB 0..255, VALID positions only (no padding), C1 = (0.01·255)²,
C2 = (0.03·255)², SSIM = mean over positions of luminance × contrast-structure, then the mean over
channels. DSSIM = (1 − SSIM) / 2. Batched and differentiable.
"""
from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

WINDOW = 11
SIGMA = 1.5
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


def gaussian_taps(size: int = WINDOW, sigma: float = SIGMA, dtype=torch.float64) -> torch.Tensor:
    coords = torch.arange(size, dtype=dtype) - (size - 1) / 2
    taps = torch.exp(-(coords**2) / (2 * sigma**2))
    return taps / taps.sum()


def _correlate_valid(x: torch.Tensor, taps: list[float], dim: int) -> torch.Tensor:
    """The 1-D window at every VALID position along ``dim`` (-1 or -2), as a sum of shifted slices:
    a CPU does this several times faster than a depthwise convolution or a banded matrix product."""
    n = x.shape[dim] - len(taps) + 1
    out = x.narrow(dim, 0, n) * taps[0]
    for i, tap in enumerate(taps[1:], start=1):
        out.add_(x.narrow(dim, i, n), alpha=tap)
    return out


def _blur_valid(x: torch.Tensor, taps: list[float]) -> torch.Tensor:
    """The normalised 2-D Gaussian window at every VALID position (separable: two 1-D passes)."""
    return _correlate_valid(_correlate_valid(x, taps, -1), taps, -2)


def _blur_adjoint(grad: torch.Tensor, taps: list[float]) -> torch.Tensor:
    """The adjoint of ``_blur_valid``: the zero-padded gradient correlated with the flipped window."""
    k = len(taps) - 1
    return _blur_valid(F.pad(grad, (k, k, k, k)), taps[::-1])


class _SSIM(torch.autograd.Function):
    """SSIM with its gradient written out. Per position S = (A1/B1)·(A2/B2) with A1 = 2μxμy + C1,
    B1 = μx² + μy² + C1, A2 = 2⟨xy⟩ − 2μxμy + C2, B2 = ⟨xx⟩ − μx² + ⟨yy⟩ − μy² + C2, so
    ∂S/∂μx = [2μy(A2 − A1) − 2μx·S·(B2 − B1)] / (B1B2), ∂S/∂⟨xx⟩ = −S·B1/(B1B2), ∂S/∂⟨xy⟩ = 2A1/(B1B2);
    the three maps go back through the blur's adjoint once. Autograd's own backward kept a dozen full-size
    intermediates, and on a CPU each pass over them costs about what its arithmetic does.

    On a CPU one image at a time: its two dozen passes then stay in the processor's cache, where a
    batch of eight spilled out of it (its SSIM took 10.0 ms a step, one by one 7.4)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, reference: "Reference") -> torch.Tensor:
        ctx.reference, ctx.pieces = reference, _pieces(x)
        terms = [_terms(x[piece], reference.part(piece)) for piece in ctx.pieces]
        ctx.save_for_backward(x, *(t for piece_terms in terms for t in piece_terms))  # freed after the backward
        return torch.cat([s.mean(dim=(2, 3)).mean(dim=1) for *_, s in terms])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, *saved = ctx.saved_tensors
        count = len(saved) // len(ctx.pieces)
        out = torch.empty_like(x)
        for k, piece in enumerate(ctx.pieces):
            terms = saved[k * count : (k + 1) * count]
            out[piece] = _gradient(grad[piece].view(-1, 1, 1, 1), x[piece], ctx.reference.part(piece), terms)
        return out, None


def _pieces(x: torch.Tensor) -> list[slice]:
    """The images SSIM takes at a time: one on a CPU (see ``_SSIM``), all on a GPU, where each pass
    is a kernel launch and a batch costs little more than one image."""
    return [slice(0, x.shape[0])] if x.is_cuda else [slice(i, i + 1) for i in range(x.shape[0])]


class _Fixed(NamedTuple):
    """One image's reference half of SSIM (see ``Reference``)."""

    y: torch.Tensor
    two_mu_y: torch.Tensor
    lum_bottom_y: torch.Tensor
    cs_bottom_y: torch.Tensor
    tap_list: list[float]


def _terms(x: torch.Tensor, reference: _Fixed) -> tuple[torch.Tensor, ...]:
    """μx, A1, B1, A2, B2 and S per position of images (B, C, H, W)."""
    mu_x, blur_xx, blur_xy = _blur_valid(torch.stack([x, x * x, x * reference.y]), reference.tap_list)
    two_mu_xy = mu_x * reference.two_mu_y
    lum_top = two_mu_xy + C1
    mu_x_sq = mu_x * mu_x
    lum_bottom = mu_x_sq + reference.lum_bottom_y
    cs_top = blur_xy.mul_(2).sub_(two_mu_xy).add_(C2)
    cs_bottom = blur_xx.sub_(mu_x_sq).add_(reference.cs_bottom_y)
    s = (lum_top / lum_bottom).mul_(cs_top / cs_bottom)
    return mu_x, lum_top, lum_bottom, cs_top, cs_bottom, s


def _gradient(grad: torch.Tensor, x: torch.Tensor, reference: _Fixed, terms) -> torch.Tensor:
    """∂(grad·SSIM)/∂x of images (B, C, H, W), ``grad`` (B, 1, 1, 1), from their ``_terms`` (left
    unchanged: a backward may run twice)."""
    mu_x, lum_top, lum_bottom, cs_top, cs_bottom, s = terms
    per_position = grad / (s.shape[1] * s.shape[2] * s.shape[3])
    scale = torch.mul(lum_bottom, cs_bottom).reciprocal_().mul_(per_position)  # 1/(B1B2), per position
    g_mu = torch.sub(cs_top, lum_top).mul_(reference.two_mu_y)
    g_mu.addcmul_(torch.mul(mu_x, s), torch.sub(cs_bottom, lum_bottom), value=-2).mul_(scale)
    g_xx = torch.mul(s, lum_bottom).mul_(scale).neg_()
    g_xy = torch.mul(lum_top, scale).mul_(2)
    back_mu, back_xx, back_xy = _blur_adjoint(torch.stack([g_mu, g_xx, g_xy]), reference.tap_list)
    return back_xx.mul_(x).mul_(2).add_(back_mu).addcmul_(reference.y, back_xy)


class Reference:
    """The fixed image's half of SSIM (its windowed mean and mean square), computed once: the
    optimiser compares many candidates with the same original."""

    def __init__(self, y: torch.Tensor):
        if y.dim() != 4 or min(y.shape[-2:]) < WINDOW:
            raise ValueError(f"SSIM needs (B, C, H, W) images at least {WINDOW} pixels on a side, got {tuple(y.shape)}.")
        self.y, self.taps = y, gaussian_taps(dtype=y.dtype).to(y.device)
        self.tap_list = self.taps.tolist()
        self.mu_y, self.blur_yy = _blur_valid(torch.stack([y, y * y]), self.tap_list)
        mu_y_sq = self.mu_y * self.mu_y
        self.two_mu_y, self.lum_bottom_y, self.cs_bottom_y = 2 * self.mu_y, mu_y_sq + C1, self.blur_yy - mu_y_sq + C2

    def part(self, images: slice) -> "_Fixed":
        """What SSIM needs of some images' references: views of these tensors, nothing recomputed."""
        return _Fixed(self.y[images], self.two_mu_y[images], self.lum_bottom_y[images], self.cs_bottom_y[images], self.tap_list)

    def ssim(self, x: torch.Tensor) -> torch.Tensor:
        """SSIM of each image of ``x`` with the reference's (B,)."""
        if x.shape != self.y.shape:
            raise ValueError(f"SSIM needs two equal batches, got {tuple(x.shape)} and {tuple(self.y.shape)}.")
        return _SSIM.apply(x, self)

    def dssim(self, x: torch.Tensor) -> torch.Tensor:
        return (1 - self.ssim(x)) / 2


def ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """SSIM of each pair of images (B, C, H, W), float 0..255; returns (B,)."""
    return Reference(y).ssim(x)


def dssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(1 − SSIM) / 2 per image pair; 0 for identical images."""
    return (1 - ssim(x, y)) / 2
