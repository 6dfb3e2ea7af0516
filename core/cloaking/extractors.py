"""The networks a cloak is optimised against, loaded once per device, and where they run."""
from __future__ import annotations

import queue
import threading

import torch

from ..catalogue import cloak_targets, tracker
from ..models.base import FaceEmbedder
from ..torch_threads import MACHINE_THREADS, torch_threads


_cache: dict[tuple[str, str], FaceEmbedder] = {}
_lock = threading.Lock()


class _FlushedWorker:
    """One long-lived thread that runs cloaking work with denormal floats treated as zero.

    Gradients reaching the networks' layers are partly denormal, and a CPU handles those many times
    slower (a 0.3.1 high photo took 30-90 s instead of 8). The flag is per thread, and PyTorch's worker
    threads copy it from the thread that starts them: a thread that sets it first starts its own
    workers with it, whatever thread pools the program already has. Kept for the program's life, so its
    workers (and their warmed-up kernels) serve every run; runs from several threads wait their turn."""

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        threading.Thread(target=self._serve, name="cloaking", daemon=True).start()

    def _serve(self) -> None:
        torch.set_flush_denormal(True)
        while True:
            work, threads, outcome, done = self.jobs.get()
            try:
                with torch_threads(threads):
                    outcome["value"] = work()
            except BaseException as exc:  # handed to the caller
                outcome["error"] = exc
            done.set()

    def run(self, work, threads: int):
        outcome: dict = {}
        done = threading.Event()
        self.jobs.put((work, threads, outcome, done))
        done.wait()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]


_worker: _FlushedWorker | None = None
_worker_lock = threading.Lock()


def run_flushed(work, threads: int = MACHINE_THREADS):
    """``work()`` on the flushed cloaking thread (see ``_FlushedWorker``) with ``threads`` PyTorch
    threads; returns its result or raises its exception."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _FlushedWorker()
    return _worker.run(work, threads)


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
        if name not in cloak_targets():
            raise ValueError(f"Unknown extractor '{name}': use {', '.join(cloak_targets())}.")
    return names


def load_extractor(name: str, device: torch.device) -> FaceEmbedder:
    """The named extractor in eval mode with frozen weights (only the image gets gradients)."""
    check_names([name])
    with _lock:
        key = (name, str(device))
        if key not in _cache:
            model = tracker(name).network_class()().to(device).eval()
            model.requires_grad_(False)
            _cache[key] = model
        return _cache[key]


@torch.no_grad()
def embed(extractors, contexts: torch.Tensor, landmarks: torch.Tensor) -> list[torch.Tensor]:
    """Features per extractor (B, D) of faces: ``contexts`` (B, 3, H, W) 0..255, ``landmarks`` (B, 5, 2)."""
    return [extractor(contexts, landmarks) for extractor in extractors]
