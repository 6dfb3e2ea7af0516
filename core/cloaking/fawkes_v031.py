"""Fawkes 0.3.1: move each face's features towards a target identity, within a DSSIM budget.

Per face, with the target image's features f(t) and the source's f(s), the feature target overshoots
past the target: t' = 2·f(t) − f(s). Loss: c·max(DSSIM − th, 0)² + ‖t' − f(a)‖₂ / ‖t'‖₂, summed over
the extractors. Adadelta (ρ 0.95, ε 1e-8) on a tanh-space modifier that starts at 1e-6; the learning
rate is multiplied by 0.8 after every steps // 3 steps; no early stop.

One deliberate difference from the original: the iterate kept is the one with the lowest feature term
*among those within the budget* (the original ignored the budget there), so a returned cloak never
exceeds th.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from .modes import Mode
from .optimise import Adadelta, FaceBatch, budget_penalty, from_tanh_space

RHO = 0.95
START = 1e-6
LR_DECAY = 0.8


@dataclass
class Cloaked:
    crops: torch.Tensor  # (B, 3, h, w) the chosen iterate, 0..255 float
    dssim: torch.Tensor  # (B,) of the chosen iterate
    score: torch.Tensor  # (B,) its feature term (lower is closer to the target)
    source_features: list[torch.Tensor]  # per extractor (B, D): the uncloaked faces, as output


def feature_term(features: list[torch.Tensor], targets: list[torch.Tensor]) -> torch.Tensor:
    return sum(torch.linalg.vector_norm(t - f, dim=1) / torch.linalg.vector_norm(t, dim=1) for f, t in zip(features, targets))


def cloak_towards(batch: FaceBatch, extractors, target_features: list[torch.Tensor], mode: Mode, on_step: Callable[[int], None]) -> Cloaked:
    """Optimise ``batch`` towards ``target_features`` (per extractor, (B, D) features of each face's
    target image). ``on_step(step)`` is called after every update (it may raise to cancel)."""
    with torch.no_grad():
        source_features = batch.features(extractors, batch.source)
    targets = [2 * t.to(s) - s for t, s in zip(target_features, source_features)]

    modifier = torch.full_like(batch.original, START, requires_grad=True)
    optimiser = Adadelta(modifier, RHO, mode.eps)
    best = Cloaked(batch.source.clone(), torch.zeros(batch.size, device=batch.device), torch.full((batch.size,), float("inf"), device=batch.device), source_features)
    decay_every = max(1, mode.steps // 3)
    for step in range(mode.steps + 1):  # the last pass only evaluates the final update
        crops = from_tanh_space(batch.w_source + modifier * batch.mask)
        distortion = batch.dssim(crops)
        score = feature_term(batch.features(extractors, crops), targets)
        with torch.no_grad():
            better = (distortion <= mode.threshold) & (score < best.score)
            best.crops[better] = crops[better]
            best.dssim[better] = distortion[better]
            best.score[better] = score[better]
        if step == mode.steps:
            break
        loss = score.sum() + budget_penalty(distortion, mode.threshold, mode.c)
        (grad,) = torch.autograd.grad(loss, modifier)
        lr = mode.learning_rate * LR_DECAY ** (step // decay_every)
        optimiser.step(grad * batch.mask, lr)
        on_step(step + 1)
    return best
