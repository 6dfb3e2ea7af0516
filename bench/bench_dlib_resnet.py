"""Speed of the PyTorch rebuild of dlib's face recognition network (CPU).

Prints forward and forward+backward times (to the photo's pixels, through the aligned chip) at
batch 1 and batch 8, and the network alone on ready chips.
Run: python bench/bench_dlib_resnet.py [threads]
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.models.dlib_resnet import DlibResNet  # noqa: E402

# A 640×480 photo with a face about as large as in the IMM photos.
LANDMARKS = torch.tensor([[[389.0, 249.0], [352.0, 251.0], [264.0, 247.0], [300.0, 250.0], [327.0, 311.0]]], dtype=torch.float64)


def timed(fn, repeats: int) -> str:
    """Best and median of ``repeats`` runs after a warm-up (the best is what the code can do; the
    median shows how much a busy machine slows it)."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return f"best {min(times):6.1f} ms, median {statistics.median(times):6.1f} ms"


def main() -> None:
    if len(sys.argv) > 1:  # optional: number of threads
        torch.set_num_threads(int(sys.argv[1]))
    torch.manual_seed(0)
    net = DlibResNet()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    for batch in (1, 8):
        image = (torch.rand(batch, 3, 480, 640) * 255).requires_grad_(True)
        landmarks = LANDMARKS.expand(batch, 5, 2)
        chips = torch.rand(batch, 3, 150, 150) * 255
        repeats = 30 if batch == 1 else 8

        def forward():
            with torch.no_grad():
                net(image, landmarks)

        def forward_backward():
            image.grad = None
            net(image, landmarks).sum().backward()

        def network_only():
            with torch.no_grad():
                net.embed_chips(chips)

        def network_backward():
            c = chips.clone().requires_grad_(True)
            net.embed_chips(c).sum().backward()

        print(f"batch {batch}, photo → descriptor: forward {timed(forward, repeats)}; forward+backward {timed(forward_backward, repeats)}")
        print(f"batch {batch}, chip → descriptor:  forward {timed(network_only, repeats)}; forward+backward {timed(network_backward, repeats)}")


if __name__ == "__main__":
    main()
