"""An ONNX face network as a ``FaceEmbedder``: the preset's crop, then the graph run by PyTorch (``graph.OnnxGraph``),
so that a cloak can be made against it with gradients reaching the photo's pixels.

One class serves every added network: ``bound_to`` makes the class of one network (its file and preset), which is
what the catalogue's entry for that network names (``core.catalogue.Tracker.bound``).
"""
from __future__ import annotations

from pathlib import Path

import torch

from ...jobs import NO_JOB, Job
from ..base import FaceEmbedder
from .bound import BoundToFile
from .graph import OnnxGraph
from .crop import network_input
from .presets import parse_preset
from .runtime import crop_size, read_model


class OnnxFaceNetwork(BoundToFile, FaceEmbedder):
    name = "onnx"

    def __init__(self, file: Path | str | None = None, preset: str | None = None, job: Job = NO_JOB):
        super().__init__()
        path = Path(file or self.network_file)
        model, self.input = read_model(path)
        self.files = (path,)
        self.preset = parse_preset(preset or self.preset_spelling)
        self.size = crop_size(self.input, self.preset, path.name)
        self.graph = OnnxGraph(model)

    def prepared(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        """The network's input for these faces (what onnxruntime is given too)."""
        return network_input(image, landmarks, self.preset, self.size, self.input.layout)

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        faces = self.prepared(image, landmarks)
        if self.input.fixed_batch:  # a graph exported for one face may reshape to batch 1
            out = torch.cat([self.graph(face[None]) for face in faces])
        else:
            out = self.graph(faces)
        return out.reshape(out.shape[0], -1)
