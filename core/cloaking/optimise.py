"""What both Fawkes versions share: a batch of face crops, the tanh parameterisation, Adadelta.

Each face of a batch has its own crop size. The crops are stacked top-left in one padded tensor with
a mask; the variable ``m`` has the same layout, and masked-out positions get no gradient, so
Adadelta leaves them at rest. The extractors see each face's *context* (the photo around the face)
with the crop replaced by its current value, so gradients reach the crop's full-resolution pixels.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .crops import budget_square, square_weights
from .dssim import Reference

TANH_K = 2 - 1e-6  # keeps atanh finite at 0 and 255


def to_tanh_space(image: torch.Tensor) -> torch.Tensor:
    return torch.atanh((image / 255 - 0.5) * TANH_K)


def from_tanh_space(w: torch.Tensor) -> torch.Tensor:
    return (torch.tanh(w) / TANH_K + 0.5) * 255


def budget_penalty(distortion: torch.Tensor, threshold: float, c: float) -> torch.Tensor | float:
    """c·max(D − th, 0)² summed over the faces; a plain 0 while every face is within budget, so that
    the DSSIM's backward (as costly as a network's) is skipped when its gradient would be zero."""
    if not bool((distortion.detach() > threshold).any()):
        return 0.0
    return (c * torch.clamp(distortion - threshold, min=0) ** 2).sum()


class Adadelta:
    """Keras/TensorFlow's Adadelta, written out so that its state can be restarted (Fawkes 1.0):
    acc_g ← ρ·acc_g + (1−ρ)·g²;  Δ = √(acc_Δ + ε) / √(acc_g + ε) · g;  acc_Δ ← ρ·acc_Δ + (1−ρ)·Δ²;
    x ← x − lr·Δ.  (torch.optim.Adadelta has the same rule but other defaults: ρ 0.9, ε 1e-6.)"""

    def __init__(self, param: torch.Tensor, rho: float, eps: float):
        self.param, self.rho, self.eps = param, rho, eps
        self.reset()

    def reset(self) -> None:
        self.acc_grad = torch.zeros_like(self.param)
        self.acc_delta = torch.zeros_like(self.param)

    @torch.no_grad()
    def step(self, grad: torch.Tensor, lr: float) -> None:
        self.acc_grad.mul_(self.rho).addcmul_(grad, grad, value=1 - self.rho)
        delta = (self.acc_delta + self.eps).sqrt_().div_((self.acc_grad + self.eps).sqrt_()).mul_(grad)
        self.acc_delta.mul_(self.rho).addcmul_(delta, delta, value=1 - self.rho)
        self.param.sub_(delta, alpha=lr)


class FaceBatch:
    """The faces optimised together.

    ``contexts``: per face (3, H, W) float 0..255, the photo around the face; ``landmarks``: per face
    (5, 2) in context pixels; ``crops``: per face (left, top, right, bottom) of the changeable crop in
    context pixels.
    """

    def __init__(self, contexts: list[torch.Tensor], landmarks: list[np.ndarray], crops: list[tuple[int, int, int, int]], version: str, device: torch.device):
        self.version, self.device, self.crops = version, device, crops
        self.size = len(contexts)
        ctx_h = max(c.shape[1] for c in contexts)
        ctx_w = max(c.shape[2] for c in contexts)
        self.contexts = torch.stack([F.pad(c, (0, ctx_w - c.shape[2], 0, ctx_h - c.shape[1])) for c in contexts]).to(device)
        self.landmarks = torch.as_tensor(np.stack(landmarks), dtype=torch.float32, device=device)
        self.shapes = [(b - t, r - l) for l, t, r, b in crops]
        crop_h = max(h for h, _ in self.shapes)
        crop_w = max(w for _, w in self.shapes)
        # Padding value mid-grey keeps atanh finite; the mask keeps it out of everything.
        self.original = torch.full((self.size, 3, crop_h, crop_w), 127.5, device=device)
        self.mask = torch.zeros((self.size, 1, crop_h, crop_w), device=device)
        for i, (l, t, r, b) in enumerate(crops):
            self.original[i, :, : b - t, : r - l] = self.contexts[i, :, t:b, l:r]
            self.mask[i, :, : b - t, : r - l] = 1
        self.fills = [self.original[i, :, :h, :w].mean(dim=(1, 2)) for i, (h, w) in enumerate(self.shapes)]
        self.square_weights = [tuple(m.to(device) for m in square_weights(h, w, version)) for h, w in self.shapes]
        self.w_source = to_tanh_space(self.original)
        self.source = from_tanh_space(self.w_source)
        self.reference = Reference(self.squares(self.source))

    def compose(self, crops: torch.Tensor) -> torch.Tensor:
        """The contexts with each face's crop replaced by ``crops`` (B, 3, h, w)."""
        out = self.contexts.clone()
        for i, (l, t, r, b) in enumerate(self.crops):
            out[i, :, t:b, l:r] = crops[i, :, : b - t, : r - l]
        return out

    def squares(self, crops: torch.Tensor) -> torch.Tensor:
        return torch.stack([
            budget_square(crops[i, :, :h, :w], self.version, self.fills[i], self.square_weights[i]) for i, (h, w) in enumerate(self.shapes)
        ])

    def dssim(self, crops: torch.Tensor) -> torch.Tensor:
        return self.reference.dssim(self.squares(crops))

    def features(self, extractors, crops: torch.Tensor) -> list[torch.Tensor]:
        contexts = self.compose(crops)
        return [extractor(contexts, self.landmarks) for extractor in extractors]
