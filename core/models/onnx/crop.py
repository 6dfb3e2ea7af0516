"""The crop a preset asks for, in PyTorch: differentiable, so onnxruntime (judging) and the PyTorch graph (cloaking)
are given the very same input.

Both crops put dlib's eye centres and nose base on a template (``core.models.alignment.aligned_crop``), exactly as
the built-in mobileface (aligned, the ArcFace template with dlib's nose base) and faceres (loose) do, so that one of
our own networks exported to ONNX gives the built-in network's vectors.
"""
from __future__ import annotations

import torch

from ..alignment import aligned_crop
from ..faceres import TEMPLATE_224
from ..mobileface import TEMPLATE_112
from .presets import ALIGNED, BGR, NCHW, Preset


def crop_template(crop: str, size: int) -> tuple[tuple[float, float], ...]:
    """Where the eye centres and nose base go in a ``size`` crop: the ArcFace template (with dlib's nose base,
    as mobileface) or faceres's loose-box framing, scaled."""
    base, base_size = (TEMPLATE_112, 112) if crop == ALIGNED else (TEMPLATE_224, 224)
    return tuple((x * size / base_size, y * size / base_size) for x, y in base)


def network_input(image: torch.Tensor, landmarks: torch.Tensor, preset: Preset, size: int, layout: str) -> torch.Tensor:
    """The network's input for faces in ``image`` (B, 3, H, W) RGB 0..255 at dlib 5-point ``landmarks`` (B, 5, 2):
    cropped, colour-ordered and scaled as ``preset`` says, in the model's ``layout``; differentiable."""
    crop = aligned_crop(image, landmarks, crop_template(preset.crop, size), size)
    if preset.order == BGR:
        crop = crop.flip(1)
    scaled = (crop - preset.mean) / preset.scale
    return scaled if layout == NCHW else scaled.permute(0, 2, 3, 1)
