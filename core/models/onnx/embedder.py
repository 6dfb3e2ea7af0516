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
from .graph import OnnxGraph
from .crop import network_input
from .presets import DEFAULT_PRESET, parse_preset
from .runtime import crop_size, read_model

_bound: dict[tuple[str, str, str], type] = {}


class OnnxFaceNetwork(FaceEmbedder):
    name = "onnx"
    network_file: str = ""  # set by ``bound_to``
    preset_spelling: str = DEFAULT_PRESET

    def __init__(self, file: Path | str | None = None, preset: str | None = None, job: Job = NO_JOB):
        super().__init__()
        path = Path(file or self.network_file)
        model, self.input = read_model(path)
        self.files = (path,)
        self.preset = parse_preset(preset or self.preset_spelling)
        self.size = crop_size(self.input, self.preset, path.name)
        self.graph = OnnxGraph(model)

    @classmethod
    def bound_to(cls, name: str, file: str, preset: str = DEFAULT_PRESET) -> type["OnnxFaceNetwork"]:
        """The class of the network ``name`` (made once per name, file and preset)."""
        key = (name, str(file), preset)
        if key not in _bound:
            _bound[key] = type(f"OnnxFaceNetwork[{name}]", (cls,),
                               {"name": name, "network_file": str(file), "preset_spelling": preset})
        return _bound[key]

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
