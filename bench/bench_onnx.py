"""Speed of an ONNX network against the built-in one it was exported from, on the same photos.

* judging: seconds per face through onnxruntime (``core.recognizers.onnx``) against the built-in network run by
  PyTorch, faces already found (dlib's detection, the same for both, is done once first and not timed);
* cloaking: seconds per face-step, forward and backward, of the PyTorch graph converted from the ONNX file against
  the built-in network, for a batch of faces as the cloaking engine runs them;
* agreement: the largest difference between onnxruntime's and the PyTorch graph's unit vectors on every photo.
Run: python bench/bench_onnx.py [IMM folder] [--network mobileface|faceres] [--batch 8] [--steps 5]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from core.catalogue import tracker  # noqa: E402
from core.faces import largest_face  # noqa: E402
from core.images import load_rgb  # noqa: E402
from core.models.onnx.embedder import OnnxFaceNetwork  # noqa: E402
from core.models.onnx.export import export_network  # noqa: E402
from core.recognizers.embedding import face_region  # noqa: E402
from core.recognizers.onnx import OnnxRecognizer  # noqa: E402
from core.recognizers.registry import make_recognizer  # noqa: E402
from core.torch_threads import torch_threads  # noqa: E402

DEFAULT_IMM = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imm_face_db"
FALLBACK = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "imm"


def per_face(embed, photos, rgbs) -> float:
    start = time.perf_counter()
    for photo, rgb in zip(photos, rgbs):
        embed(rgb, photo)
    return (time.perf_counter() - start) / len(photos)


def step_seconds(network, regions, points, steps: int) -> float:
    """Seconds per face-step of forward and backward on the batch (one warm-up first)."""
    for i in range(steps + 1):
        if i == 1:
            start = time.perf_counter()
        image = regions.clone().requires_grad_(True)
        network(image, points).square().sum().backward()
    return (time.perf_counter() - start) / steps / len(regions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("imm", nargs="?", type=Path, default=DEFAULT_IMM if DEFAULT_IMM.is_dir() else FALLBACK)
    parser.add_argument("--network", default="mobileface", choices=["mobileface", "faceres"])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    photos = sorted(args.imm.glob("*.jpg"))
    rgbs = [load_rgb(p) for p in photos]
    faces = [largest_face(rgb) for rgb in rgbs]  # detection once, shared by both (not timed)
    print(f"{len(photos)} photos from {args.imm}; torch threads {torch.get_num_threads()}")
    with tempfile.TemporaryDirectory() as folder:
        path, preset = export_network(args.network, Path(folder) / f"{args.network}.onnx")
        onnx_tracker = OnnxRecognizer(file=path, preset=preset)
        builtin = make_recognizer(args.network, device="cpu")
        ort_s, torch_s = per_face(onnx_tracker.embed, photos, rgbs), per_face(builtin.embed, photos, rgbs)
        print(f"judging, s per face: onnxruntime {ort_s:.4f}, built-in {args.network} (PyTorch) {torch_s:.4f}")

        graph = OnnxFaceNetwork(path, preset).eval().requires_grad_(False)
        network = tracker(args.network).network_class()().eval().requires_grad_(False)
        worst = 0.0
        for photo, rgb, face in zip(photos, rgbs, faces):
            region, points = face_region(rgb, face.box, face.landmarks)
            with torch.no_grad(), torch_threads(1):
                mine = graph(region, points)[0].double().numpy()
            theirs = onnx_tracker.embed(rgb, photo)
            worst = max(worst, float(np.abs(mine / np.linalg.norm(mine) - theirs).max()))
        print(f"agreement: largest |PyTorch graph − onnxruntime| of unit vectors over {len(photos)} photos: {worst:.2e}")

        # a batch of faces as the cloaking engine holds them: one common region size
        chosen = list(zip(rgbs, faces))[: args.batch]
        size = min(min(rgb.shape[:2]) for rgb, _ in chosen)
        regions = torch.stack([torch.tensor(rgb[:size, :size], dtype=torch.float32).permute(2, 0, 1) for rgb, _ in chosen])
        points = torch.stack([torch.from_numpy(face.landmarks.astype(np.float64)) for _, face in chosen]).float()
        ours, theirs = step_seconds(graph, regions, points, args.steps), step_seconds(network, regions, points, args.steps)
        print(f"cloaking, s per face-step (forward + backward, batch {len(chosen)}): ONNX graph in PyTorch {ours:.4f}, "
              f"built-in {args.network} {theirs:.4f}")


if __name__ == "__main__":
    main()
