"""The TF.js graph interpreter: weight decoding, TF's op semantics on hand-made graphs checked against
hand computations and plain numpy, and the two real models (shapes, constants, gradients)."""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from core.models.tfjs import ModelFileError, TFJSGraphModel, UnsupportedOp, decode_weights, same_padding
from tests.conftest import REPO

SHARED_MODELS = REPO.parent / "shared" / "models" / "human-models"


# ---------------------------------------------------------------- building small graphs by hand


def s(text: str) -> dict:
    return {"s": base64.b64encode(text.encode()).decode()}


def ints(*values: int) -> dict:
    return {"list": {"i": [str(v) for v in values]}}


def conv_attrs(padding: str, stride: int = 1) -> dict:
    return {"padding": s(padding), "strides": ints(1, stride, stride, 1), "data_format": s("NHWC")}


def write_graph(folder: Path, nodes: list[dict], consts: dict[str, np.ndarray], outputs: list[str]) -> Path:
    """A graph model with placeholder ``x``, the given constants (float32/int32) and nodes."""
    weights, data = [], b""
    for name, value in consts.items():
        dtype = "int32" if value.dtype.kind == "i" else "float32"
        weights.append({"name": name, "shape": list(value.shape), "dtype": dtype})
        data += value.astype(dtype).tobytes()
    spec = {
        "format": "graph-model",
        "modelTopology": {
            "node": [{"name": "x", "op": "Placeholder", "attr": {}}]
            + [{"name": n, "op": "Const", "attr": {}} for n in consts]
            + nodes
        },
        "weightsManifest": [{"paths": ["g.bin"], "weights": weights}],
        "signature": {"outputs": {o: {"name": o} for o in outputs}},
    }
    (folder / "g.bin").write_bytes(data)
    (folder / "g.json").write_text(json.dumps(spec))
    return folder / "g.json"


def run_graph(tmp_path: Path, nodes, consts, x: np.ndarray, output: str = "y") -> np.ndarray:
    model = TFJSGraphModel(write_graph(tmp_path, nodes, consts, [output]))
    with torch.no_grad():
        return model(torch.from_numpy(x.astype(np.float32))).numpy()


def conv_reference(x: np.ndarray, kernel: np.ndarray, stride: int, depthwise: bool = False) -> np.ndarray:
    """Plain loops over an already padded NHWC ``x``; TF kernel layouts."""
    kh, kw = kernel.shape[:2]
    n, h, w, c = x.shape
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out_c = c * kernel.shape[3] if depthwise else kernel.shape[3]
    out = np.zeros((n, oh, ow, out_c))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
            if depthwise:  # output channel c·mult + m
                out[:, i, j] = np.einsum("nhwc,hwcm->ncm", patch, kernel).reshape(n, -1)
            else:
                out[:, i, j] = np.einsum("nhwc,hwco->no", patch, kernel)
    return out


# ---------------------------------------------------------------- weights


def test_decode_weights_float_int_and_quantised_entries():
    q8 = np.array([0, 1, 255], dtype=np.uint8)
    q16 = np.array([0, 40000], dtype=np.uint16)
    half = np.array([0.5, -2.25, 1e-3], dtype=np.float16)
    manifest = [
        {
            "paths": ["a.bin"],
            "weights": [
                {"name": "f32", "shape": [2], "dtype": "float32"},
                {"name": "q8", "shape": [3], "dtype": "float32",
                 "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
                {"name": "i32", "shape": [1, 2], "dtype": "int32"},
            ],
        },
        {
            "paths": ["b.bin"],
            "weights": [
                {"name": "q16", "shape": [2], "dtype": "float32",
                 "quantization": {"dtype": "uint16", "scale": 0.001, "min": 2.0}},
                {"name": "f16", "shape": [3], "dtype": "float32", "quantization": {"dtype": "float16"}},
            ],
        },
    ]
    data = (
        np.array([1.5, -3.0], np.float32).tobytes()
        + q8.tobytes()
        + np.array([[7, -9]], np.int32).tobytes()
        + q16.tobytes()
        + half.tobytes()
    )
    w = decode_weights(manifest, data)
    np.testing.assert_array_equal(w["f32"], [1.5, -3.0])
    np.testing.assert_allclose(w["q8"], [-1.0, -0.5, 126.5])  # q·scale + min
    np.testing.assert_allclose(w["q16"], [2.0, 42.0], rtol=1e-6)
    assert w["i32"].dtype == np.int32 and w["i32"].tolist() == [[7, -9]]
    assert w["f16"].dtype == np.float32
    np.testing.assert_array_equal(w["f16"], half.astype(np.float32))

    with pytest.raises(ModelFileError, match="too short.*f16"):
        decode_weights(manifest, data[:-2])
    with pytest.raises(ModelFileError, match="4 bytes more"):
        decode_weights(manifest, data + b"\0" * 4)


# ---------------------------------------------------------------- op semantics


def test_same_padding_puts_the_odd_pixel_bottom_right():
    assert same_padding(4, 3, 2) == (0, 1)
    assert same_padding(5, 3, 2) == (1, 1)
    assert same_padding(224, 3, 2) == (0, 1)
    assert same_padding(7, 1, 1) == (0, 0)
    assert same_padding(6, 4, 1) == (1, 2)


def test_conv2d_same_stride_2_matches_a_hand_computation(tmp_path):
    # 4×4 input 0..15, 3×3 kernel of ones, stride 2: TF pads one row/column at the bottom/right only,
    # so the first window is x[0:3, 0:3] (sum 45), not x[0:2, 0:2] (sum 10, padding at the top/left).
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    nodes = [{"name": "y", "op": "Conv2D", "input": ["x", "k"], "attr": conv_attrs("SAME", 2)}]
    y = run_graph(tmp_path, nodes, {"k": np.ones((3, 3, 1, 1), np.float32)}, x)
    assert y.shape == (1, 2, 2, 1)
    np.testing.assert_array_equal(y[0, :, :, 0], [[45, 39], [66, 50]])


def test_conv_and_depthwise_follow_tf_layouts(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 7, 6, 3)).astype(np.float32)
    k = rng.normal(size=(3, 3, 3, 5)).astype(np.float32)
    dk = rng.normal(size=(3, 3, 5, 2)).astype(np.float32)  # channel multiplier 2
    nodes = [
        {"name": "c", "op": "Conv2D", "input": ["x", "k"], "attr": conv_attrs("SAME", 2)},
        {"name": "y", "op": "DepthwiseConv2dNative", "input": ["c", "dk"], "attr": conv_attrs("VALID")},
    ]
    y = run_graph(tmp_path, nodes, {"k": k, "dk": dk}, x)
    # SAME for 7×6 with 3×3 stride 2: rows padded (1, 1), columns (0, 1)
    c = conv_reference(np.pad(x, ((0, 0), (1, 1), (0, 1), (0, 0))), k, 2)
    assert y.shape == (2, 2, 1, 10)
    np.testing.assert_allclose(y, conv_reference(c, dk, 1, depthwise=True), rtol=1e-4, atol=1e-4)


def test_fused_conv_depthwise_and_matmul(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 5, 5, 2)).astype(np.float32)
    consts = {
        "k": rng.normal(size=(3, 3, 2, 4)).astype(np.float32),
        "b": rng.normal(size=4).astype(np.float32),
        "alpha": np.array([0.1, 0.2, 0.3, 0.4], np.float32),
        "dk": rng.normal(size=(3, 3, 4, 1)).astype(np.float32),
        "db": rng.normal(size=4).astype(np.float32),
        "shape": np.array([1, -1], np.int32),
        "w": rng.normal(size=(100, 3)).astype(np.float32),
        "wb": rng.normal(size=3).astype(np.float32),
    }
    fused = lambda *ops: {"list": {"s": [base64.b64encode(o.encode()).decode() for o in ops]}}  # noqa: E731
    nodes = [
        {"name": "c", "op": "_FusedConv2D", "input": ["x", "k", "b", "alpha"],
         "attr": {**conv_attrs("SAME"), "fused_ops": fused("BiasAdd", "Prelu"), "num_args": {"i": "2"}}},
        {"name": "d", "op": "FusedDepthwiseConv2dNative", "input": ["c", "dk", "db"],
         "attr": {**conv_attrs("SAME"), "fused_ops": fused("BiasAdd", "Relu6")}},
        {"name": "f", "op": "Reshape", "input": ["d", "shape"], "attr": {}},
        {"name": "y", "op": "_FusedMatMul", "input": ["f", "w", "wb"], "attr": {"fused_ops": fused("BiasAdd", "Relu")}},
    ]
    y = run_graph(tmp_path, nodes, consts, x)
    c = conv_reference(np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0))), consts["k"], 1) + consts["b"]
    c = np.where(c >= 0, c, c * consts["alpha"])
    d = np.clip(conv_reference(np.pad(c, ((0, 0), (1, 1), (1, 1), (0, 0))), consts["dk"], 1, True) + consts["db"], 0, 6)
    expected = np.maximum(d.reshape(1, -1) @ consts["w"] + consts["wb"], 0)  # flattened in NHWC order, as TF
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_pad_elementwise_and_reductions(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    consts = {
        "pads": np.array([[0, 0], [1, 2], [0, 1], [0, 0]], np.int32),
        "gamma": rng.normal(size=5).astype(np.float32),
        "axes": np.array([1, 2], np.int32),
    }
    nodes = [
        {"name": "p", "op": "Pad", "input": ["x", "pads"], "attr": {}},
        {"name": "m", "op": "Mul", "input": ["gamma", "p"], "attr": {}},  # per-channel constant, TF broadcasting
        {"name": "a", "op": "Abs", "input": ["m"], "attr": {}},
        {"name": "q", "op": "Square", "input": ["a"], "attr": {}},
        {"name": "r", "op": "Rsqrt", "input": ["q"], "attr": {}},
        {"name": "mx", "op": "Maximum", "input": ["r", "m"], "attr": {}},
        {"name": "mn", "op": "Minimum", "input": ["mx", "q"], "attr": {}},
        {"name": "sb", "op": "Sub", "input": ["mn", "m"], "attr": {}},
        {"name": "y", "op": "Mean", "input": ["sb", "axes"], "attr": {"keep_dims": {"b": False}}},
    ]
    y = run_graph(tmp_path, nodes, consts, x)
    p = np.pad(x, consts["pads"])
    m = consts["gamma"] * p
    q = np.abs(m) ** 2
    with np.errstate(divide="ignore"):
        r = 1 / np.sqrt(q)
    expected = (np.minimum(np.maximum(r, m), q) - m).mean(axis=(1, 2))
    assert y.shape == (2, 5)
    np.testing.assert_allclose(y, expected, rtol=1e-5)


def test_an_unknown_op_is_named(tmp_path):
    nodes = [{"name": "odd_node", "op": "FancyOp", "input": ["x"], "attr": {}}]
    with pytest.raises(UnsupportedOp, match="FancyOp.*not supported|odd_node"):
        TFJSGraphModel(write_graph(tmp_path, nodes, {}, ["odd_node"]))


# ---------------------------------------------------------------- the real models


@pytest.fixture(scope="module")
def real_models() -> Path:
    if not SHARED_MODELS.is_dir():
        pytest.skip(f"needs the shared model files at {SHARED_MODELS}, which are not present on this machine")
    return SHARED_MODELS


def test_mobileface_output_and_its_own_preprocessing(real_models):
    spec = json.loads((real_models / "mobileface.json").read_text())
    weights = decode_weights(spec["weightsManifest"], (real_models / "mobileface.bin").read_bytes())
    # the README: the graph itself does (x − 127.5) / 128
    assert weights["minusscalar0_second"].tolist() == [127.5]
    assert weights["mulscalar0_second"].tolist() == [1 / 128]

    model = TFJSGraphModel(real_models / "mobileface.json", outputs=["batchnorm0/add_1:0"])
    x = torch.rand(3, 112, 112, 3) * 255
    with torch.no_grad():
        batch = model(x)
        single = model(x[1:2])
    assert batch.shape == (3, 256) and torch.isfinite(batch).all()
    torch.testing.assert_close(batch[1:2], single, rtol=1e-4, atol=1e-4)
    assert not torch.allclose(batch[0], batch[1])


def test_faceres_float16_weights_and_all_heads(real_models):
    spec = json.loads((real_models / "faceres.json").read_text())
    entries = [w for g in spec["weightsManifest"] for w in g["weights"]]
    assert sum(w.get("quantization", {}).get("dtype") == "float16" for w in entries) == 127
    model = TFJSGraphModel(real_models / "faceres.json")  # the signature's three outputs
    assert all(b.dtype in (torch.float32, torch.int32) for b in model.buffers())
    with torch.no_grad():
        gender, features, age = model(torch.rand(2, 224, 224, 3) * 255 - 110)
    assert gender.shape == (2, 1) and features.shape == (2, 1024) and age.shape == (2, 100)
    assert ((gender > 0) & (gender < 1)).all()
    torch.testing.assert_close(age.sum(1), torch.ones(2))
    assert (features >= 0).all() and (features <= 6).all()  # the mean of ReLU6 outputs


def test_folding_batch_norm_into_convolutions_keeps_the_function(real_models):
    plain = TFJSGraphModel(real_models / "faceres.json", outputs=["global_pooling/Mean"], fold=False)
    folded = TFJSGraphModel(real_models / "faceres.json", outputs=["global_pooling/Mean"])
    assert len(folded._plan) < len(plain._plan) / 4  # conv → scale → bias → relu → min → max is one step
    x = torch.rand(2, 224, 224, 3) * 255 - 110
    with torch.no_grad():
        torch.testing.assert_close(folded(x), plain(x), rtol=1e-5, atol=1e-5)


def test_gradients_reach_the_input(real_models):
    model = TFJSGraphModel(real_models / "mobileface.json", outputs=["batchnorm0/add_1:0"])
    x = (torch.rand(1, 112, 112, 3) * 255).requires_grad_()
    model(x).square().sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0


def test_damaged_model_files_are_reported(real_models, tmp_path):
    shutil.copy(real_models / "mobileface.json", tmp_path / "mobileface.json")
    (tmp_path / "mobileface.bin").write_bytes((real_models / "mobileface.bin").read_bytes()[:1000])
    with pytest.raises(ModelFileError, match="too short"):
        TFJSGraphModel(tmp_path / "mobileface.json")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="broken.json"):
        TFJSGraphModel(tmp_path / "broken.json")
