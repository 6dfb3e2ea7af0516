"""Small ONNX graphs generated for the tests (each a face "network" with one thing right or wrong), and the
fixture photos grouped by person."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FIXTURE_IMM = Path(__file__).resolve().parent / "fixtures" / "imm"


def fixture_people() -> dict[str, list[Path]]:
    """tests/fixtures/imm by person: 3 people × 6 photos."""
    people: dict[str, list[Path]] = {}
    for photo in sorted(FIXTURE_IMM.glob("*.jpg")):
        people.setdefault(photo.name[:2], []).append(photo)
    return people


def _image_input(name: str = "data", size: int | str = 112, channels_first: bool = True):
    shape = ["faces", 3, size, size] if channels_first else ["faces", size, size, 3]
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def _save(path: Path, nodes, inputs, outputs, weights=(), opset: int = 13) -> Path:
    graph = helper.make_graph(nodes, "generated", inputs, outputs,
                              [numpy_helper.from_array(np.asarray(v, dtype=np.float32 if np.asarray(v).dtype.kind == "f"
                                                                  else np.int64), n) for n, v in weights])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def _output(name: str = "embedding", shape=("faces", "dim")):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


def arcface_like(path: Path, size: int = 32, seed: int = 0) -> Path:
    """The ops face networks use, with random weights: Conv (strided, uneven pads), BatchNorm, PRelu, a residual Add,
    Relu, Sigmoid, Mul, Concat, MaxPool, AveragePool, GlobalAveragePool, a shape-computed Reshape, Flatten, Gemm."""
    rng = np.random.default_rng(seed)
    w = lambda *shape: rng.normal(0, 0.3, shape)  # noqa: E731
    weights = [("c1", w(8, 3, 3, 3)), ("b1", w(8)), ("bn_s", 1 + 0.1 * w(8)), ("bn_b", w(8)), ("bn_m", w(8)),
               ("bn_v", 1 + np.abs(w(8))), ("slope", 0.25 + 0.1 * w(8, 1, 1)), ("c2", w(8, 8, 3, 3)),
               ("c3", w(8, 8, 3, 3)), ("fc", w(10, 16)), ("fc_b", w(10)), ("tail", np.array([-1], dtype=np.int64))]
    nodes = [
        helper.make_node("Conv", ["data", "c1", "b1"], ["x1"], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["x1", "bn_s", "bn_b", "bn_m", "bn_v"], ["x2"], epsilon=1e-5),
        helper.make_node("PRelu", ["x2", "slope"], ["x3"]),
        helper.make_node("Conv", ["x3", "c2"], ["x4"], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["x3", "x4"], ["x5"]),
        helper.make_node("Conv", ["x5", "c3"], ["x6"], strides=[2, 2], pads=[0, 0, 1, 1]),
        helper.make_node("Relu", ["x6"], ["x7"]),
        helper.make_node("Sigmoid", ["x6"], ["g"]),
        helper.make_node("Mul", ["x7", "g"], ["x8"]),
        helper.make_node("MaxPool", ["x8"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("AveragePool", ["x8"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Concat", ["p1", "p2"], ["x9"], axis=1),
        helper.make_node("GlobalAveragePool", ["x9"], ["x10"]),
        helper.make_node("Constant", [], ["zero"], value=numpy_helper.from_array(np.array([0], dtype=np.int64))),
        helper.make_node("Shape", ["x10"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
        helper.make_node("Concat", ["batch", "tail"], ["flat_shape"], axis=0),
        helper.make_node("Reshape", ["x10", "flat_shape"], ["x11"]),
        helper.make_node("Flatten", ["x11"], ["x12"], axis=1),
        helper.make_node("Gemm", ["x12", "fc", "fc_b"], ["embedding"], transB=1),
    ]
    return _save(path, nodes, [_image_input(size=size)], [_output()], weights)


def two_inputs(path: Path) -> Path:
    nodes = [helper.make_node("Add", ["a", "b"], ["s"]), helper.make_node("GlobalAveragePool", ["s"], ["p"]),
             helper.make_node("Flatten", ["p"], ["embedding"])]
    return _save(path, nodes, [_image_input("a"), _image_input("b")], [_output()])


def feature_map(path: Path) -> Path:
    """A (faces, 4, 112, 112) output: not one vector per face."""
    nodes = [helper.make_node("Conv", ["data", "k"], ["embedding"])]
    return _save(path, nodes, [_image_input()], [_output(shape=("faces", 4, 112, 112))], [("k", np.ones((4, 3, 1, 1)))])


def nan_output(path: Path) -> Path:
    """0 / 0 for every face."""
    nodes = [helper.make_node("ReduceMean", ["data"], ["m"], axes=[2, 3], keepdims=0),
             helper.make_node("Sub", ["m", "m"], ["z"]), helper.make_node("Div", ["z", "z"], ["embedding"])]
    return _save(path, nodes, [_image_input()], [_output()])


def blind(path: Path) -> Path:
    """The same vector whatever the face (as a wrong preset can make a real network): it names nobody reliably."""
    nodes = [helper.make_node("ReduceMean", ["data"], ["m"], axes=[2, 3], keepdims=0),
             helper.make_node("Mul", ["m", "zero"], ["z"]), helper.make_node("Add", ["z", "v"], ["embedding"])]
    return _save(path, nodes, [_image_input()], [_output()], [("zero", np.zeros(1)), ("v", [0.3, 0.5, 0.8])])


def not_an_image(path: Path) -> Path:
    nodes = [helper.make_node("Relu", ["data"], ["embedding"])]
    return _save(path, nodes, [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["faces", 10])], [_output()])
