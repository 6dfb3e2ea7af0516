"""An ONNX face network run by PyTorch, so that cloaking can follow gradients through it.

Why our own converter and not onnx2torch: onnx2torch imports torchvision as soon as it is imported (for NMS and
RoIAlign), and torchvision cannot be installed beside this PyTorch; running it would need a stand-in module planted
in ``sys.modules`` under torchvision's name, which any other library asking for torchvision would then also get, and
onnx2torch is not one of our packages. Face-embedding networks use few operations (convolution, batch norm, PReLU,
additions, pooling, a fully connected layer, reshapes), each a line of torch (``ops.OPS``), as our TF.js interpreter
(``core.models.tfjs``) already does for TF.js; a network using anything else is told so by name (``UnsupportedOp``)
and can still be a tracker judged by onnxruntime, only not a cloak's target.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .ops import OPS, UnsupportedOp


def _attributes(node: onnx.NodeProto) -> dict:
    values = {}
    for attribute in node.attribute:
        value = onnx.helper.get_attribute_value(attribute)
        if isinstance(value, onnx.TensorProto):
            value = torch.from_numpy(np.array(numpy_helper.to_array(value)))
        elif isinstance(value, bytes):
            value = value.decode()
        elif isinstance(value, list) and value and isinstance(value[0], bytes):
            value = [v.decode() for v in value]
        values[attribute.name] = value
    return values


def _constant_value(attrs: dict) -> torch.Tensor:
    """The tensor of a ``Constant`` node, whichever attribute holds it."""
    if "value" in attrs:
        return attrs["value"]
    for key, dtype in (("value_float", torch.float32), ("value_floats", torch.float32), ("value_int", torch.int64),
                       ("value_ints", torch.int64)):
        if key in attrs:
            return torch.tensor(attrs[key], dtype=dtype)
    raise UnsupportedOp(f"a Constant node holds {', '.join(attrs)}, which is not supported")


class OnnxGraph(torch.nn.Module):
    """``OnnxGraph(model)``: the ONNX model's graph (one input, first output) as a torch module; ``forward(x)``
    takes the input tensor as the model expects it and returns the first output. Weights are buffers, so
    ``.to(device)`` moves them and nothing is trained. Raises ``UnsupportedOp`` naming an op it cannot run."""

    def __init__(self, model: onnx.ModelProto | Path | str):
        super().__init__()
        if not isinstance(model, onnx.ModelProto):
            model = onnx.load(str(model))
        graph = model.graph
        unknown = sorted({n.op_type for n in graph.node if n.op_type not in OPS and n.op_type != "Constant"})
        if unknown:
            raise UnsupportedOp(f"the network uses the ONNX operation{'s' if len(unknown) > 1 else ''} "
                                f"{', '.join(unknown)}, which this program cannot run in PyTorch")
        self._buffer_of: dict[str, str] = {}
        for initializer in graph.initializer:
            self._keep(initializer.name, torch.from_numpy(np.array(numpy_helper.to_array(initializer))))
        known = set(self._buffer_of)
        self.input_name = next(i.name for i in graph.input if i.name not in known)
        self.output_name = graph.output[0].name
        self._plan: list[tuple[str, dict, list[str], list[str]]] = []
        for node in graph.node:
            attrs = _attributes(node)
            if node.op_type == "Constant":
                self._keep(node.output[0], _constant_value(attrs))
            else:
                self._plan.append((node.op_type, attrs, list(node.input), list(node.output)))

    def _keep(self, name: str, value: torch.Tensor) -> None:
        buffer = f"c{len(self._buffer_of)}"
        self.register_buffer(buffer, value, persistent=False)
        self._buffer_of[name] = buffer

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor | None] = {self.input_name: x, "": None}
        for op, attrs, inputs, outputs in self._plan:
            args = [values[i] if i in values else getattr(self, self._buffer_of[i]) for i in inputs]
            result = OPS[op](attrs, *args)
            values[outputs[0]] = result
        return values[self.output_name]
