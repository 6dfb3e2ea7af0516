"""What both Fawkes versions share: a batch of face crops, the tanh parameterisation, Adadelta, and
what an optimisation returns.

Each face of a batch has its own crop size. The crops are stacked top-left in one padded tensor with
a mask; the variable ``m`` has the same layout, and masked-out positions get no gradient, so
Adadelta leaves them at rest.

The variable lives where the original's did, on the *stretched* crop (the photo's crop × k, k = 255 /
its maximum, as Keras' ``array_to_img`` made it), but at the photo's full resolution. The DSSIM budget
is measured on the original's view of it (``crops.BudgetView``). The change is written × ``gain`` per
face: the original's second stretch k′ ("as the original wrote it"), or 1/k (strict budget: what was
budgeted, undone of its stretch). The extractors see each face's *context* (the photo around the face)
with the crop replaced by exactly what will be written, in whole grey levels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .banded import FaceView, banded_views
from .crops import VIEW_SIZE, BudgetView
from .dssim import Reference

TANH_K = 2 - 1e-6  # keeps atanh finite at 0 and 255
RHO = 0.95  # Adadelta's decay in both versions (Keras' default; PyTorch's is 0.9)
# T(w) = (tanh(w) / K + 0.5)·255 written as SCALE·σ(2w) + OFFSET (tanh(w) = 2σ(2w) − 1): the same
# function, but a CPU computes the logistic σ about five times faster than tanh
SCALE = 510 / TANH_K
OFFSET = 255 * (0.5 - 1 / TANH_K)


def to_tanh_space(image: torch.Tensor) -> torch.Tensor:
    return torch.atanh((image / 255 - 0.5) * TANH_K)


def from_tanh_space(w: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(2 * w) * SCALE + OFFSET


def budget_penalty(distortion: torch.Tensor, threshold: float, c: float) -> torch.Tensor | None:
    """c·max(D − th, 0)² summed over the faces; None while every face is within budget, so that the
    DSSIM's backward (as costly as a network's) is skipped when its gradient would be zero."""
    if not bool((distortion.detach() > threshold).any()):
        return None
    return (c * torch.clamp(distortion - threshold, min=0) ** 2).sum()


def _whole_levels(values: torch.Tensor, floor: bool) -> torch.Tensor:
    """Whole grey levels forwards (truncated as ``astype(uint8)`` does, or rounded), the identity backwards."""
    return values + ((torch.floor(values) if floor else torch.round(values)) - values).detach()


class _ImageAndWritten(torch.autograd.Function):
    """The stretched crops T(w_s + m) (held within ±``box`` of the source for 1.0) and the photo's
    crops as they will be written, in one pass with a hand-written backward (the chain of a dozen
    elementwise steps on full-resolution crops costs as much as a network on a CPU when autograd keeps
    every intermediate)."""

    @staticmethod
    def forward(ctx, modifier, twice_w_source, slope, gain, base, source, as_written: bool, box: float | None):
        # ``modifier`` is zero outside the mask; ``slope``: the mask × 2·SCALE (dT/dw = slope·σ(1 − σ));
        # ``base``: as written, original − ⌊source·gain⌋ (where the crop is unchanged the two floors
        # cancel), strict: the original. In place where it can be: each full-resolution pass costs
        # about as much as its arithmetic.
        ctx.set_materialize_grads(False)  # no zero gradient for the crops while the budget is unused
        sigma = torch.add(twice_w_source, modifier, alpha=2).sigmoid_()
        crops = torch.mul(sigma, SCALE).add_(OFFSET)  # = from_tanh_space(w_source + modifier)
        in_box = None
        if box is not None:  # source + clamp(crops − source, −box, box)
            crops = crops.sub_(source)
            in_box = _within(crops, -box, box)
            crops = crops.clamp_(-box, box).add_(source)
        if as_written:
            unclipped = torch.mul(crops, gain).floor_().add_(base)
        else:
            # (outside the mask crops = source, so no change there; that padding is never pasted, and slope masks its gradient)
            unclipped = torch.sub(crops, source).mul_(gain).round_().add_(base)
        ctx.save_for_backward(sigma, slope, gain, unclipped, in_box)
        return crops, unclipped.clamp(0, 255)

    @staticmethod
    def backward(ctx, grad_crops, grad_written):
        sigma, slope, gain, unclipped, in_box = ctx.saved_tensors
        grad = None
        if grad_written is not None:
            grad = torch.mul(grad_written, gain).mul_(_within(unclipped, 0, 255))
        if grad_crops is not None:
            grad = grad_crops.clone() if grad is None else grad.add_(grad_crops)
        if grad is None:
            return (None,) * 8
        if in_box is not None:
            grad.mul_(in_box)
        return grad.mul_(torch.addcmul(sigma, sigma, sigma, value=-1)).mul_(slope), None, None, None, None, None, None, None


def _within(values: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """1.0 where low ≤ values ≤ high, else 0.0, as floats: comparisons written straight into float
    tensors, and products with them, cost a CPU about a third of what boolean tensors cost."""
    inside = torch.ge(values, low, out=torch.empty_like(values))
    return inside.mul_(torch.le(values, high, out=torch.empty_like(values)))


class _Compose(torch.autograd.Function):
    """Crops pasted into their contexts. Autograd's own backward of one slice assignment per face
    copies the whole batch's gradient once per face; this one reads each face's slice once."""

    @staticmethod
    def forward(ctx, photo_crops, contexts, boxes):
        ctx.boxes, ctx.shape = boxes, photo_crops.shape
        out = contexts.clone()
        for i, (l, t, r, b) in enumerate(boxes):
            out[i, :, t:b, l:r] = photo_crops[i, :, : b - t, : r - l]
        return out

    @staticmethod
    def backward(ctx, grad):
        out = grad.new_zeros(ctx.shape)
        for i, (l, t, r, b) in enumerate(ctx.boxes):
            out[i, :, : b - t, : r - l] = grad[i, :, t:b, l:r]
        return out, None, None


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
        delta = torch.add(self.acc_delta, self.eps).div_(self.acc_grad + self.eps).sqrt_().mul_(grad)  # one square root
        self.acc_delta.mul_(self.rho).addcmul_(delta, delta, value=1 - self.rho)
        self.param.sub_(delta, alpha=lr)


@dataclass
class OptimisedFaces:
    """The iterate each face keeps: ``crops`` (B, 3, h, w) stretched 0..255, their ``dssim`` (B,) on the
    budget view, and ``merit`` (B,), higher is better in both versions (0.3.1: minus its feature term,
    1.0: its feature shift); ``source_features`` per extractor (B, D): the uncloaked faces, as output."""

    crops: torch.Tensor
    dssim: torch.Tensor
    merit: torch.Tensor
    source_features: list[torch.Tensor]

    @classmethod
    def start(cls, batch: "FaceBatch", source_features: list[torch.Tensor]) -> "OptimisedFaces":
        worst = torch.full((batch.size,), -float("inf"), device=batch.device)
        return cls(batch.source.clone(), torch.zeros(batch.size, device=batch.device), worst, source_features)

    @torch.no_grad()
    def keep(self, better: torch.Tensor, crops: torch.Tensor, dssim: torch.Tensor, merit: torch.Tensor) -> None:
        # 0.3.1's usual step: the step's own tensor, no copy. Its caller never writes to it; a later
        # partial keep writes into it, once that step's graph is gone.
        if bool(better.all()):
            self.crops = crops.detach()
        else:
            for i in torch.nonzero(better).flatten().tolist():  # one pass over each better face's crop
                self.crops[i].copy_(crops[i])
        self.dssim[better] = dssim[better].detach()
        self.merit[better] = merit[better].detach()


class FaceBatch:
    """The faces optimised together.

    ``contexts``: per face (3, H, W) float 0..255, the photo around the face; ``landmarks``: per face
    (5, 2) in context pixels; ``crops``: per face (left, top, right, bottom) of the changeable crop in
    context pixels; ``as_written``: the original's merge (gain k′) rather than the strict one (1/k); ``banded``:
    the budget views as banded products (``banded``, the default on a CPU) rather than dense ones (a GPU's).
    """

    def __init__(self, contexts: list[torch.Tensor], landmarks: list[np.ndarray], crops: list[tuple[int, int, int, int]],
                 version: str, device: torch.device, as_written: bool = True, banded: bool | None = None):
        self.version, self.device, self.crops, self.as_written = version, device, crops, as_written
        self.size = len(contexts)
        ctx_h = max(c.shape[1] for c in contexts)
        ctx_w = max(c.shape[2] for c in contexts)
        self.contexts = torch.stack([F.pad(c, (0, ctx_w - c.shape[2], 0, ctx_h - c.shape[1])) for c in contexts]).to(device)
        self.landmarks = torch.as_tensor(np.stack(landmarks), dtype=torch.float32, device=device)
        self.shapes = [(b - t, r - l) for l, t, r, b in crops]
        crop_h, crop_w = max(h for h, _ in self.shapes), max(w for _, w in self.shapes)
        originals = [c[:, t:b, l:r].to(device) for c, (l, t, r, b) in zip(contexts, crops)]
        self.views = [BudgetView(o, version) for o in originals]
        gains = [v.merge_stretch(o.permute(1, 2, 0).cpu().numpy().astype(np.uint8)) if as_written else 1 / v.stretch
                 for v, o in zip(self.views, originals)]
        self.stretch = torch.tensor([v.stretch for v in self.views], device=device).view(-1, 1, 1, 1)
        self.gain = torch.tensor(gains, device=device).view(-1, 1, 1, 1)
        # Padding value mid-grey keeps atanh finite; the mask keeps it out of everything.
        self.original = torch.full((self.size, 3, crop_h, crop_w), 127.5, device=device)  # the photo's crops
        self.mask = torch.zeros((self.size, 1, crop_h, crop_w), device=device)
        for i, ((h, w), o) in enumerate(zip(self.shapes, originals)):
            self.original[i, :, :h, :w] = o
            self.mask[i, :, :h, :w] = 1
        # square(c / k) = R (c − k·fill) Cᵀ + k·fill. On a CPU as banded products per face (``banded``); on
        # a GPU as one batched dense product, each face's weights zero-padded to the batch's crop size
        self.banded: list[FaceView] | None = None
        if device.type == "cpu" if banded is None else banded:
            self.banded = [FaceView(v.rows, v.cols) for v in self.views]
        else:
            self.view_rows = torch.zeros((self.size, 1, VIEW_SIZE[version], crop_h), device=device)
            self.view_cols = torch.zeros((self.size, 1, crop_w, VIEW_SIZE[version]), device=device)
            for i, (view, (h, w)) in enumerate(zip(self.views, self.shapes)):
                self.view_rows[i, 0, :, :h] = view.rows
                self.view_cols[i, 0, :w, :] = view.cols.T
        self.view_fill = torch.stack([v.fill * v.stretch for v in self.views]).view(-1, 3, 1, 1).float()
        self.w_source = to_tanh_space(torch.where(self.mask > 0, self.original * self.stretch, self.original))
        self.source = from_tanh_space(self.w_source)  # the stretched crops, where the variable lives
        self.reference = Reference(self.squares(self.source))
        self.written_base: torch.Tensor | None = None

    def image_and_written(self, modifier: torch.Tensor, box: float | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``image(modifier)`` (within ±``box`` of the source when given) and ``written`` of it, fused
        (see ``_ImageAndWritten``); ``modifier`` must be zero outside the mask."""
        if self.written_base is None:
            self.written_base = self.original - torch.floor(self.source * self.gain) if self.as_written else self.original
            self.twice_w_source, self.slope = 2 * self.w_source, self.mask * (2 * SCALE)
        return _ImageAndWritten.apply(modifier, self.twice_w_source, self.slope, self.gain, self.written_base, self.source,
                                      self.as_written, box)

    def change(self, crops: torch.Tensor) -> torch.Tensor:
        """The change to the photo's crops for stretched ``crops``, whole grey levels (B, 3, h, w).

        As the original wrote it: the protected and the original crop are each stretched again by k′
        and truncated to 8 bits (``array_to_img``) before their difference is taken, so a change below
        one grey level survives where the truncation falls differently. Strict: the change × 1/k, rounded."""
        if self.as_written:
            change = _whole_levels(crops * self.gain, floor=True) - torch.floor(self.source * self.gain)
        else:
            change = _whole_levels((crops - self.source) * self.gain, floor=False)
        return change * self.mask

    def written(self, crops: torch.Tensor) -> torch.Tensor:
        """The photo's crops as they will be written for stretched ``crops``."""
        return torch.clamp(self.original + self.change(crops), 0, 255)

    def squares(self, crops: torch.Tensor) -> torch.Tensor:
        """Budget views (B, 3, S, S) of stretched crops."""
        if self.version == "0.3":  # a black fill: nothing to take away
            return self._resize(crops)
        return self._resize(crops - self.view_fill) + self.view_fill

    def _resize(self, crops: torch.Tensor) -> torch.Tensor:
        if self.banded is not None:
            return banded_views(crops, self.banded)
        return self.view_rows @ crops @ self.view_cols

    def dssim(self, crops: torch.Tensor) -> torch.Tensor:
        return self.reference.dssim(self.squares(crops))

    def features(self, extractors, crops: torch.Tensor) -> list[torch.Tensor]:
        """Each extractor's features of the contexts with the crops as they will be written."""
        return self.features_of_written(extractors, self.written(crops))

    def features_of_written(self, extractors, written: torch.Tensor) -> list[torch.Tensor]:
        contexts = self.compose(written)
        return [extractor(contexts, self.landmarks) for extractor in extractors]

    def compose(self, photo_crops: torch.Tensor) -> torch.Tensor:
        """The contexts with each face's crop replaced by ``photo_crops`` (B, 3, h, w), photo grey levels."""
        return _Compose.apply(photo_crops, self.contexts, self.crops)

    def changes(self, crops: torch.Tensor) -> list[torch.Tensor]:
        """Per face, the change (3, h, w) to add to the photo for stretched ``crops``, on the CPU."""
        change = self.change(crops).detach().cpu()
        return [change[i, :, :h, :w] for i, (h, w) in enumerate(self.shapes)]
