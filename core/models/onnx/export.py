"""One of our own networks written as an ONNX file, so that the whole path for a user's ONNX network (checks,
onnxruntime judging, the PyTorch graph for cloaking) is tested with real weights where no modern network can be
downloaded.

mobileface is written in the ArcFace convention (112 px aligned RGB, (x − 127.5) / 127.5: the ``arcface`` preset);
faceres, which was trained on loose 224 px boxes, as RGB (x − 127.5) / 127.5 with the ``loose`` framing (a custom
preset, printed by the command). Either gives the built-in network's vectors for the same photo.
"""
from __future__ import annotations

import io
import warnings
from pathlib import Path

import torch

from ...atomic import write_bytes_atomic
from ...jobs import NO_JOB, Job
from ..faceres import FaceRes
from ..mobileface import MobileFace
from .presets import EXPORTABLE, EXPORTED_PRESET

OPSET = 13


class _FromArcFaceInput(torch.nn.Module):
    """The built-in network's graph behind an input scaled (x − 127.5) / 127.5, RGB, NCHW."""

    def __init__(self, network: torch.nn.Module, bgr_mean: torch.Tensor | None):
        super().__init__()
        self.graph = network.graph
        self.bgr_mean = bgr_mean

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pixels = (x * 127.5 + 127.5).permute(0, 2, 3, 1)  # the TF.js graphs take NHWC 0..255
        if self.bgr_mean is not None:  # faceres: Keras "caffe" preprocessing inside the file
            pixels = pixels.flip(-1) - self.bgr_mean
        return self.graph(pixels)


def export_network(name: str, out: Path | str, job: Job = NO_JOB) -> tuple[Path, str]:
    """Write ``name`` (mobileface or faceres) to ``out`` as ONNX; returns the file and the preset to add it with."""
    if name not in EXPORTABLE:
        raise ValueError(f"Cannot export '{name}': choose {' or '.join(EXPORTABLE)}.")
    out = Path(out)
    network = (MobileFace if name == "mobileface" else FaceRes)(job=job).eval()
    size = 112 if name == "mobileface" else 224
    wrapper = _FromArcFaceInput(network, getattr(network, "bgr_mean", None)).eval()
    example = torch.zeros(1, 3, size, size)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on traced shapes, not the user's concern
        buffer = io.BytesIO()
        torch.onnx.export(wrapper, (example,), buffer, input_names=["input"], output_names=["embedding"],
                          dynamic_axes={"input": {0: "faces"}, "embedding": {0: "faces"}}, opset_version=OPSET,
                          dynamo=False)
    write_bytes_atomic(out, buffer.getvalue())
    return out, EXPORTED_PRESET[name]
