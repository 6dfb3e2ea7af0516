"""Fawkes 0.3.1: move each face's features towards a target identity, within a DSSIM budget.

Per face, with the target image's features f(t) and the source's f(s), the feature target overshoots
past the target: t' = 2·f(t) − f(s). Loss: c·max(DSSIM − th, 0)² + ‖t' − f(a)‖₂ / ‖t'‖₂, summed over
the extractors. Adadelta (ρ 0.95, ε 1e-8) on a tanh-space modifier that starts at 1e-6; the learning
rate is multiplied by 0.8 after update i when i % (steps // 3) == 0 and i ≠ 0; no early stop.

The iterate kept: as the original wrote it, the one with the lowest feature term seen, whatever its
DSSIM (typically the first step over the budget); with ``strict`` the lowest among those within it.
"""
from __future__ import annotations

from typing import Callable

import torch

from .modes import Mode
from .optimise import RHO, Adadelta, FaceBatch, OptimisedFaces, budget_penalty

START = 1e-6
LR_DECAY = 0.8


def feature_term(features: list[torch.Tensor], targets: list[torch.Tensor]) -> torch.Tensor:
    return sum(torch.linalg.vector_norm(t - f, dim=1) / torch.linalg.vector_norm(t, dim=1) for f, t in zip(features, targets))


def learning_rate(mode: Mode, update: int) -> float:
    """The rate of update number ``update`` (0-based): decayed after updates steps//3, 2·steps//3, ..."""
    every = max(1, mode.steps // 3)
    return mode.learning_rate * LR_DECAY ** (max(0, update - 1) // every)


def cloak_towards(batch: FaceBatch, extractors, target_features: list[torch.Tensor], mode: Mode,
                  on_step: Callable[[int], None], strict: bool = False) -> OptimisedFaces:
    """Optimise ``batch`` towards ``target_features`` (per extractor, (B, D) features of each face's
    target image). ``on_step(step)`` is called after every update (it may raise to cancel)."""
    with torch.no_grad():
        source_features = batch.features(extractors, batch.source)
    targets = [2 * t.to(s) - s for t, s in zip(target_features, source_features)]

    modifier = (torch.full_like(batch.original, START) * batch.mask).requires_grad_(True)  # zero outside the crops
    optimiser = Adadelta(modifier, RHO, mode.eps)
    best = OptimisedFaces.start(batch, source_features)
    for step in range(mode.steps + 1):  # the last pass only evaluates the final update
        crops, written = batch.image_and_written(modifier)
        distortion = batch.dssim(crops)
        score = feature_term(batch.features_of_written(extractors, written), targets)
        better = -score > best.merit
        if strict:
            better &= distortion <= mode.threshold
        best.keep(better, crops, distortion, -score)
        if step == mode.steps:
            break
        penalty = budget_penalty(distortion, mode.threshold, mode.c)
        loss = score.sum() if penalty is None else score.sum() + penalty
        (grad,) = torch.autograd.grad(loss, modifier)
        optimiser.step(grad, learning_rate(mode, step))
        on_step(step + 1)
    return best
