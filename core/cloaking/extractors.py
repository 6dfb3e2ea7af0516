"""The networks a cloak is optimised against, loaded once per device, and where they run."""
from __future__ import annotations

import importlib
import threading
from contextlib import contextmanager

import torch

from ..models.base import FaceEmbedder

# extractor name -> module under core.models holding a FaceEmbedder with that ``name``
EXTRACTORS = {"dlib": "dlib_resnet", "mobileface": "mobileface", "faceres": "faceres"}

_cache: dict[tuple[str, str], FaceEmbedder] = {}
_lock = threading.Lock()


@contextmanager
def flush_denormals():
    """Treat denormal floats as zero while cloaking: the gradients reaching the networks' layers are
    partly denormal, and the CPU handles those many times slower (a 0.3.1 step took 3-4x longer)."""
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_flush_denormal(False)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("CUDA was asked for, but PyTorch sees no usable GPU here; use --device cpu or auto.")
    if name not in ("cpu", "cuda"):
        raise ValueError(f"Unknown device '{name}': use auto, cpu or cuda.")
    return torch.device(name)


def check_names(names) -> list[str]:
    names = list(dict.fromkeys(names))
    if not names:
        raise ValueError("Choose at least one extractor to cloak against.")
    for name in names:
        if name not in EXTRACTORS:
            raise ValueError(f"Unknown extractor '{name}': use {', '.join(EXTRACTORS)}.")
    return names


def load_extractor(name: str, device: torch.device) -> FaceEmbedder:
    """The named extractor in eval mode with frozen weights (only the image gets gradients)."""
    check_names([name])
    with _lock:
        key = (name, str(device))
        if key not in _cache:
            module = importlib.import_module(f"core.models.{EXTRACTORS[name]}")
            classes = [c for c in vars(module).values() if isinstance(c, type) and issubclass(c, FaceEmbedder) and c.name == name]
            if not classes:
                raise RuntimeError(f"core.models.{EXTRACTORS[name]} has no '{name}' face embedder.")
            model = classes[0]().to(device).eval()
            model.requires_grad_(False)
            _cache[key] = model
        return _cache[key]


@torch.no_grad()
def embed(extractors, contexts: torch.Tensor, landmarks: torch.Tensor) -> list[torch.Tensor]:
    """Features per extractor (B, D) of faces: ``contexts`` (B, 3, H, W) 0..255, ``landmarks`` (B, 5, 2)."""
    return [extractor(contexts, landmarks) for extractor in extractors]
