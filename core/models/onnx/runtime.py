"""An ONNX face network as the user gives it: what its file holds (one image input, its layout and size), checked
once with a one-line reason for anything wrong, and run by onnxruntime to judge photos.

What can be wrong, each told by the file's name: not an ONNX file; not one image input (three colour channels, first
or last); a dynamic size and no size in the preset, or a preset size the model does not take; an output that is not
one vector per face; NaN or infinite numbers out.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime

from .presets import NCHW, NHWC, Preset


class NetworkFileProblem(ValueError):
    """The file cannot serve as a face-embedding network; the message says why in one line."""


@dataclass(frozen=True)
class NetworkInput:
    name: str
    layout: str  # NCHW or NHWC
    size: int | None  # None: the model takes any size
    fixed_batch: bool  # the model takes one face at a time


def _dim(dimension) -> int | None:
    return dimension.dim_value if dimension.HasField("dim_value") and dimension.dim_value > 0 else None


def read_model(path: Path) -> tuple[onnx.ModelProto, NetworkInput]:
    """The model and its image input; ``NetworkFileProblem`` when the file is not a usable face network."""
    path = Path(path)
    if not path.is_file():
        raise NetworkFileProblem(f"The network file {path} does not exist.")
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf says DecodeError, or anything on a truncated file
        raise NetworkFileProblem(f"{path.name} is not an ONNX file ({type(exc).__name__}).") from None
    if not model.graph.node or not model.graph.output:
        raise NetworkFileProblem(f"{path.name} is not an ONNX network (its graph is empty).")
    weights = {i.name for i in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in weights]
    if len(inputs) != 1:
        raise NetworkFileProblem(f"{path.name} takes {len(inputs)} inputs ({', '.join(i.name for i in inputs) or 'none'}); "
                                 "a face network takes one image.")
    dims = list(inputs[0].type.tensor_type.shape.dim)
    shape = [_dim(d) for d in dims]
    if len(shape) != 4 or 3 not in (shape[1], shape[3]):
        shown = "×".join("?" if s is None else str(s) for s in shape)
        raise NetworkFileProblem(f"{path.name}'s input ({shown}) is not an image batch with 3 colour channels.")
    layout = NCHW if shape[1] == 3 else NHWC
    height, width = (shape[2], shape[3]) if layout == NCHW else (shape[1], shape[2])
    if height != width:
        raise NetworkFileProblem(f"{path.name} takes {height}×{width} images; only square face crops are supported.")
    return model, NetworkInput(inputs[0].name, layout, height, shape[0] == 1)


def crop_size(network: NetworkInput, preset: Preset, name: str) -> int:
    """The crop size: the model's, which a preset's size must equal; a dynamic model needs the preset's."""
    if network.size is None and preset.size is None:
        raise NetworkFileProblem(f"{name} takes images of any size: give the size in a custom preset "
                                 "(custom:size=112,...).")
    if network.size is not None and preset.size is not None and network.size != preset.size:
        raise NetworkFileProblem(f"{name} takes {network.size} px faces but the preset '{preset.spelling()}' makes "
                                 f"{preset.size} px ones: choose a custom preset with size={network.size}.")
    return network.size or preset.size


def as_vectors(output: np.ndarray, faces: int, name: str) -> np.ndarray:
    """The output as (faces, D) float64, or ``NetworkFileProblem`` when it is not one finite vector per face."""
    output = np.asarray(output)
    if output.ndim >= 2 and output.shape[0] == faces and all(s == 1 for s in output.shape[2:]) and output.shape[1] > 1:
        vectors = output.reshape(faces, -1).astype(np.float64)
    else:
        raise NetworkFileProblem(f"{name}'s output {'×'.join(map(str, output.shape))} for {faces} face"
                                 f"{'s' if faces > 1 else ''} is not one vector per face.")
    if not np.isfinite(vectors).all():
        raise NetworkFileProblem(f"{name} gives NaN or infinite numbers for a face: it cannot be used as it is.")
    return vectors


class RuntimeNetwork:
    """The network judged by onnxruntime (CPU, one thread: faces come one at a time)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.model, self.input = read_model(self.path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self.session = onnxruntime.InferenceSession(self.model.SerializeToString(), options,
                                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime's own errors: an invalid graph, an op it does not know
            raise NetworkFileProblem(f"onnxruntime cannot run {self.path.name}: {str(exc).splitlines()[0][:200]}") from None
        self.model = None  # the session holds the weights; a second copy is not kept

    def vectors(self, inputs: np.ndarray) -> np.ndarray:
        """(N, D) vectors of N prepared faces (the model's layout, float32)."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        if self.input.fixed_batch:
            outputs = [self.session.run(None, {self.input.name: face[None]})[0] for face in inputs]
            return np.concatenate([as_vectors(o, 1, self.path.name) for o in outputs])
        return as_vectors(self.session.run(None, {self.input.name: inputs})[0], len(inputs), self.path.name)
