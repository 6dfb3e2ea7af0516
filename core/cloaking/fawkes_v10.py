"""Fawkes 1.0: push each face's features away from its own, within a DSSIM budget and a ±15 box.

With L2-normalised extractors f̂ₖ: F = Σₖ ‖f̂ₖ(a) − f̂ₖ(s)‖², loss c·max(D − th, 0)² − w·F, with the
image a = s + clip(T(w_s + m) − s, −15, +15) (on the stretched crop, as the original's box was). Adadelta (ρ 0.95, ε 1e-7); m starts at U(−1, 1)·1e-4.
After the first update m gets a kick of 0.01·sign(∇F) and the optimiser restarts. Each face's weight w
doubles while the face is well under budget and halves while it is over (see ``next_weight``).
Kept: the iterate with D ≤ 1.1·th and the largest F; if that F < 0.3 while the last iterate has
D < 0.015 and a larger F, the last one. No early stop.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from .modes import Mode
from .optimise import RHO, Adadelta, FaceBatch, OptimisedFaces, budget_penalty

START_SCALE = 1e-4
KICK = 0.01
BOX = 15.0
WEIGHT_CYCLE = 256.0
LOW_BEST = 0.3
LAST_RESORT_DSSIM = 0.015


def next_weight(weight: torch.Tensor, last_move: torch.Tensor, distortion: torch.Tensor, threshold: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per face: double w while D ≤ 0.9·th (from 1 if it was last halved; past 256 back to 1), halve it
    while D ≥ 1.1·th (from 1 if it was last doubled; below 1/256 back to 1), else 1.
    ``last_move``: +1 doubled, −1 halved, 0 neither."""
    under, over = distortion <= 0.9 * threshold, distortion >= 1.1 * threshold
    one = torch.ones_like(weight)
    doubled = torch.where(last_move < 0, one, weight * 2)
    doubled = torch.where(doubled > WEIGHT_CYCLE, one, doubled)
    halved = torch.where(last_move > 0, one, weight / 2)
    halved = torch.where(halved < 1 / WEIGHT_CYCLE, one, halved)
    weight = torch.where(under, doubled, torch.where(over, halved, one))
    move = torch.where(under, one, torch.where(over, -one, torch.zeros_like(one)))
    return weight, move


def cloak_away(batch: FaceBatch, extractors, mode: Mode, generators: list[torch.Generator], on_step: Callable[[int], None]) -> OptimisedFaces:
    """Optimise ``batch`` away from its own features; ``generators``: one seeded generator per face."""
    with torch.no_grad():
        raw_source_features = batch.features(extractors, batch.source)
    source_features = [F.normalize(f, dim=1) for f in raw_source_features]

    start = torch.stack([(torch.rand(batch.original.shape[1:], generator=g) * 2 - 1) * START_SCALE for g in generators])
    modifier = (start.to(batch.device) * batch.mask).requires_grad_(True)  # zero outside the crops, which it never reaches
    optimiser = Adadelta(modifier, RHO, mode.eps)
    weight = torch.ones(batch.size, device=batch.device)
    last_move = torch.zeros(batch.size, device=batch.device)
    best = OptimisedFaces.start(batch, raw_source_features)
    limit = 1.1 * mode.threshold
    for step in range(mode.steps + 1):
        crops, written = batch.image_and_written(modifier, box=BOX)
        distortion = batch.dssim(crops)
        features = [F.normalize(f, dim=1) for f in batch.features_of_written(extractors, written)]
        shift = sum(((f - s) ** 2).sum(dim=1) for f, s in zip(features, source_features))
        best.keep((distortion <= limit) & (shift > best.merit), crops, distortion, shift)
        if step == mode.steps:
            break
        penalty = budget_penalty(distortion, mode.threshold, mode.c)
        loss = -(weight * shift).sum() if penalty is None else penalty - (weight * shift).sum()
        if step == 0:
            grad, shift_grad = torch.autograd.grad(loss, modifier, retain_graph=True)[0], torch.autograd.grad(shift.sum(), modifier)[0]
        else:
            (grad,) = torch.autograd.grad(loss, modifier)
        optimiser.step(grad, mode.learning_rate)
        if step == 0:
            with torch.no_grad():
                modifier.add_(KICK * torch.sign(shift_grad) * batch.mask)
            optimiser.reset()
        weight, last_move = next_weight(weight, last_move, distortion.detach(), mode.threshold)
        on_step(step + 1)

    # the last iterate, when the best one barely moved the features
    best.keep((best.merit < LOW_BEST) & (distortion < LAST_RESORT_DSSIM) & (shift > best.merit), crops, distortion, shift)
    return best
