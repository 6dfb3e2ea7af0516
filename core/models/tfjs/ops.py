"""The ops of a TF.js graph model, each as plain differentiable torch following TF's rules.

Tensors keep TensorFlow's meaning (images are NHWC) so that every op can follow TF's rules literally
(axes of Mean/Pad/Reshape, broadcasting of per-channel constants). Convolutions look at the NHWC
tensor through a ``permute`` view, which PyTorch treats as a channels-last NCHW tensor: no copy.

``BUILDERS`` maps a TF op name to its builder. Each builder gets the node, its input names and a
``const(i)`` accessor (input i's value as numpy when it is a constant, else None) and returns
(function, run-time input names, constants it needs as (key, tensor)); the function is called with
the run-time inputs, then those constants. Conv kernels are permuted to PyTorch's layout once, at load.
"""
from __future__ import annotations

import base64
import math
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from .weights import ModelFileError


class UnsupportedOp(ValueError):
    """The graph uses an operation this interpreter does not implement."""


def same_padding(size: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """TF's SAME padding along one axis: (before, after); an odd extra pixel goes after (bottom/right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------- attribute helpers


def _attr(node: dict, key: str, default=None):
    value = node.get("attr", {}).get(key)
    if value is None:
        return default
    if "s" in value:
        return base64.b64decode(value["s"]).decode()
    if "list" in value:
        lst = value["list"]
        if "i" in lst:
            return [int(i) for i in lst["i"]]
        if "s" in lst:
            return [base64.b64decode(s).decode() for s in lst["s"]]
        if "f" in lst:
            return [float(f) for f in lst["f"]]
        return []
    if "i" in value:
        return int(value["i"])
    if "f" in value:
        return float(value["f"])
    if "b" in value:
        return bool(value["b"])
    if "type" in value:
        return value["type"]
    return default


# ---------------------------------------------------------------- layouts, convolutions, activations


def _as_nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def _as_nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1)


def _check_nhwc(node: dict) -> None:
    layout = _attr(node, "data_format", "NHWC")
    if layout != "NHWC":
        raise UnsupportedOp(f"{node['op']} {node['name']}: data_format {layout} (only NHWC)")


def conv_fn(node: dict, groups: int, kernel: tuple[int, int]) -> Callable:
    """Convolution of an NHWC tensor with a PyTorch-layout weight, TF padding rules."""
    _check_nhwc(node)
    _, sh, sw, _ = _attr(node, "strides", [1, 1, 1, 1])
    _, dh, dw, _ = _attr(node, "dilations", [1, 1, 1, 1])
    padding = _attr(node, "padding", "VALID")
    explicit = _attr(node, "explicit_paddings", [])
    kh, kw = kernel

    def conv(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
        x = _as_nchw(x)
        if padding == "SAME":
            top, bottom = same_padding(x.shape[2], kh, sh, dh)
            left, right = same_padding(x.shape[3], kw, sw, dw)
            if top == bottom and left == right:
                pad = (top, left)
            else:
                x, pad = F.pad(x, (left, right, top, bottom)), 0
        elif padding == "EXPLICIT":
            top, bottom, left, right = explicit[2:6]
            x, pad = F.pad(x, (left, right, top, bottom)), 0
        elif padding == "VALID":
            pad = 0
        else:
            raise UnsupportedOp(f"{node['op']} {node['name']}: padding {padding}")
        return _as_nhwc(F.conv2d(x, w, b, (sh, sw), pad, (dh, dw), groups))

    return conv


def conv_weight(kernel: np.ndarray, depthwise: bool) -> tuple[torch.Tensor, int]:
    """TF kernel → PyTorch weight and group count. Conv2D: [kh,kw,in,out] → [out,in,kh,kw];
    depthwise: [kh,kw,in,mult] → [in·mult,1,kh,kw] with groups=in (output channel c·mult+m, as TF)."""
    w = torch.from_numpy(np.ascontiguousarray(kernel, dtype=np.float32))
    if depthwise:
        kh, kw, cin, mult = w.shape
        return w.permute(2, 3, 0, 1).reshape(cin * mult, 1, kh, kw).contiguous(), cin
    return w.permute(3, 2, 0, 1).contiguous(), 1


_ACTIVATIONS: dict[str, Callable] = {
    "Relu": lambda x, node, extra: torch.relu(x),
    "Relu6": lambda x, node, extra: torch.clamp(x, 0.0, 6.0),
    "Elu": lambda x, node, extra: F.elu(x),
    "Selu": lambda x, node, extra: F.selu(x),
    "Sigmoid": lambda x, node, extra: torch.sigmoid(x),
    "Tanh": lambda x, node, extra: torch.tanh(x),
    "LeakyRelu": lambda x, node, extra: F.leaky_relu(x, _attr(node, "leakyrelu_alpha", 0.2)),
    "Prelu": lambda x, node, extra: torch.where(x >= 0, x, x * extra),
}


# ---------------------------------------------------------------- the ops


def _tensor(value: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(value, dtype=np.float32 if value.dtype == np.float16 else value.dtype))


def _operands(inputs: list[str], const) -> tuple[list[str], list[tuple[str, torch.Tensor]], list[int]]:
    """Split inputs into run-time ones and constants; ``slots`` says where each goes (-k-1 = k-th constant)."""
    runtime, buffers, slots = [], [], []
    for i, name in enumerate(inputs):
        value = const(i)
        if value is None:
            slots.append(len(runtime))
            runtime.append(name)
        else:
            slots.append(-len(buffers) - 1)
            buffers.append((name, _tensor(value)))
    return runtime, buffers, slots


def _elementwise(fn: Callable) -> Callable:
    """A builder for an op of its inputs only (constants included), with TF broadcasting."""

    def build(node, inputs, const):
        runtime, buffers, slots = _operands(inputs, const)
        n = len(runtime)

        def run(*args):
            return fn(*[args[s] if s >= 0 else args[n - s - 1] for s in slots])

        return run, runtime, buffers

    return build


def _static(node, inputs, const, i: int, what: str) -> np.ndarray:
    value = const(i)
    if value is None:
        raise UnsupportedOp(f"{node['op']} {node['name']}: {what} must be a constant")
    return value


def _build_conv(node, inputs, const, depthwise: bool, fused: Sequence[str] = ()):
    kernel = _static(node, inputs, const, 1, "the filter")
    weight, groups = conv_weight(kernel, depthwise)
    conv = conv_fn(node, groups, kernel.shape[:2])
    return _with_fused(node, inputs, const, conv, [(inputs[1] + "#torch", weight)], fused)


def _with_fused(node, inputs, const, core: Callable, core_buffers: list, fused: Sequence[str]):
    """``core(x, *core_buffers)`` followed by TF's fused ops (BiasAdd, FusedBatchNorm, an activation)."""
    fused = list(fused)
    extra = [(inputs[i], _tensor(_static(node, inputs, const, i, "a fused argument"))) for i in range(2, len(inputs))]
    steps: list[Callable] = []
    pos = len(core_buffers)  # index of the next extra buffer among the buffer arguments
    for op in fused:
        if op == "BiasAdd":
            steps.append(lambda y, b, p=pos: y + b[p])
            pos += 1
        elif op == "FusedBatchNorm":
            eps = _attr(node, "epsilon", 1e-3)
            steps.append(lambda y, b, p=pos: (y - b[p + 2]) * torch.rsqrt(b[p + 3] + eps) * b[p] + b[p + 1])
            pos += 4
        elif op in _ACTIVATIONS:
            act = _ACTIVATIONS[op]
            if op == "Prelu":
                steps.append(lambda y, b, p=pos: act(y, node, b[p]))
                pos += 1
            else:
                steps.append(lambda y, b: act(y, node, None))
        else:
            raise UnsupportedOp(f"{node['op']} {node['name']}: fused operation {op} is not supported")
    if pos - len(core_buffers) > len(extra):
        raise ModelFileError(f"{node['op']} {node['name']}: fewer arguments than its fused operations need")
    n_core = len(core_buffers)

    def run(x, *buffers):
        y = core(x, *buffers[:n_core])
        for step in steps:
            y = step(y, buffers)
        return y

    return run, [inputs[0]], core_buffers + extra


def _build_matmul(node, inputs, const, fused: Sequence[str] = ()):
    ta, tb = _attr(node, "transpose_a", False), _attr(node, "transpose_b", False)
    kernel = const(1)
    if kernel is None:  # both operands computed: a plain product
        if fused:
            raise UnsupportedOp(f"{node['op']} {node['name']}: fused ops on a product of two computed tensors")
        return (lambda a, b: (a.mT if ta else a) @ (b.mT if tb else b)), inputs[:2], []
    w = _tensor(kernel)
    w = w.mT.contiguous() if tb else w

    def core(a, weight):
        return (a.mT if ta else a) @ weight

    return _with_fused(node, inputs, const, core, [(inputs[1] + ("#T" if tb else ""), w)], fused)


def _fused_ops(node) -> list[str]:
    return _attr(node, "fused_ops", [])


def _build_pad(node, inputs, const):
    paddings = _static(node, inputs, const, 1, "the paddings").astype(int)
    value = float(const(2)) if len(inputs) > 2 and const(2) is not None else 0.0
    flat = tuple(int(v) for pair in paddings[::-1] for v in pair)  # F.pad wants the last axis first
    mode = _attr(node, "mode", "CONSTANT")
    if node["op"] == "MirrorPad":
        if mode != "REFLECT" or len(paddings) != 4 or paddings[0].any() or paddings[3].any():
            raise UnsupportedOp(f"MirrorPad {node['name']}: only REFLECT padding of height and width")
        hw = tuple(int(v) for pair in paddings[2:0:-1] for v in pair)
        return (lambda x: _as_nhwc(F.pad(_as_nchw(x), hw, mode="reflect"))), inputs[:1], []
    return (lambda x: F.pad(x, flat, value=value)), inputs[:1], []


def _build_reshape(node, inputs, const):
    shape = [int(s) for s in _static(node, inputs, const, 1, "the shape").reshape(-1)]
    return (lambda x: x.reshape(shape)), inputs[:1], []


def _axes(node, inputs, const) -> list[int]:
    return [int(a) for a in np.array(_static(node, inputs, const, 1, "the axes")).reshape(-1)]


def _build_reduce(fn: Callable) -> Callable:
    def build(node, inputs, const):
        axes, keep = _axes(node, inputs, const), _attr(node, "keep_dims", False)
        return (lambda x: fn(x, dim=axes, keepdim=keep)), inputs[:1], []

    return build


def _build_squeeze(node, inputs, const):
    axes = _attr(node, "squeeze_dims", [])

    def squeeze(x):
        dims = [a % x.dim() for a in axes] if axes else [i for i, s in enumerate(x.shape) if s == 1]
        return x.squeeze(tuple(dims))

    return squeeze, inputs[:1], []


def _build_concat(node, inputs, const):
    axis = int(_static(node, inputs, const, len(inputs) - 1, "the axis"))
    runtime, buffers, slots = _operands(inputs[:-1], const)
    n = len(runtime)
    return (lambda *a: torch.cat([a[s] if s >= 0 else a[n - s - 1] for s in slots], axis)), runtime, buffers


def _build_softmax(node, inputs, const):
    return (lambda x: torch.softmax(x, -1)), inputs[:1], []


def _build_identity(node, inputs, const):
    return (lambda x: x), inputs[:1], []


def _build_pool(node, inputs, const):
    _check_nhwc(node)
    _, kh, kw, _ = _attr(node, "ksize")
    _, sh, sw, _ = _attr(node, "strides")
    padding = _attr(node, "padding", "VALID")
    is_max = node["op"] == "MaxPool"

    def pool(x):
        x = _as_nchw(x)
        if padding == "SAME":
            top, bottom = same_padding(x.shape[2], kh, sh)
            left, right = same_padding(x.shape[3], kw, sw)
            if is_max:
                x = F.pad(x, (left, right, top, bottom), value=-math.inf)
                return _as_nhwc(F.max_pool2d(x, (kh, kw), (sh, sw)))
            # TF averages over the real pixels only
            ones = F.pad(torch.ones_like(x[:, :1]), (left, right, top, bottom))
            x = F.pad(x, (left, right, top, bottom))
            return _as_nhwc(F.avg_pool2d(x, (kh, kw), (sh, sw)) / F.avg_pool2d(ones, (kh, kw), (sh, sw)))
        return _as_nhwc((F.max_pool2d if is_max else F.avg_pool2d)(x, (kh, kw), (sh, sw)))

    return pool, inputs[:1], []


def _unary(fn: Callable) -> Callable:
    return lambda node, inputs, const: ((lambda x: fn(x, node)), inputs[:1], [])


BUILDERS: dict[str, Callable] = {
    "Conv2D": lambda n, i, c: _build_conv(n, i, c, depthwise=False),
    "DepthwiseConv2dNative": lambda n, i, c: _build_conv(n, i, c, depthwise=True),
    "DepthwiseConv2d": lambda n, i, c: _build_conv(n, i, c, depthwise=True),
    "_FusedConv2D": lambda n, i, c: _build_conv(n, i, c, depthwise=False, fused=_fused_ops(n)),
    "FusedDepthwiseConv2dNative": lambda n, i, c: _build_conv(n, i, c, depthwise=True, fused=_fused_ops(n)),
    "MatMul": _build_matmul,
    "_FusedMatMul": lambda n, i, c: _build_matmul(n, i, c, fused=_fused_ops(n)),
    "BiasAdd": _elementwise(torch.add),
    "Add": _elementwise(torch.add),
    "AddV2": _elementwise(torch.add),
    "AddN": _elementwise(lambda *xs: sum(xs[1:], xs[0])),
    "Sub": _elementwise(torch.sub),
    "Mul": _elementwise(torch.mul),
    "RealDiv": _elementwise(torch.div),
    "Div": _elementwise(torch.div),
    "Maximum": _elementwise(torch.maximum),
    "Minimum": _elementwise(torch.minimum),
    "SquaredDifference": _elementwise(lambda a, b: (a - b) ** 2),
    "Prelu": _elementwise(lambda x, alpha: torch.where(x >= 0, x, x * alpha)),
    "Abs": _unary(lambda x, n: torch.abs(x)),
    "Neg": _unary(lambda x, n: -x),
    "Square": _unary(lambda x, n: x * x),
    "Sqrt": _unary(lambda x, n: torch.sqrt(x)),
    "Rsqrt": _unary(lambda x, n: torch.rsqrt(x)),
    "Exp": _unary(lambda x, n: torch.exp(x)),
    "Log": _unary(lambda x, n: torch.log(x)),
    "Relu": _unary(lambda x, n: torch.relu(x)),
    "Relu6": _unary(lambda x, n: torch.clamp(x, 0.0, 6.0)),
    "Elu": _unary(lambda x, n: F.elu(x)),
    "Selu": _unary(lambda x, n: F.selu(x)),
    "LeakyRelu": _unary(lambda x, n: F.leaky_relu(x, _attr(n, "alpha", 0.2))),
    "Sigmoid": _unary(lambda x, n: torch.sigmoid(x)),
    "Tanh": _unary(lambda x, n: torch.tanh(x)),
    "Softmax": _build_softmax,
    "Identity": _build_identity,
    "Pad": _build_pad,
    "PadV2": _build_pad,
    "MirrorPad": _build_pad,
    "Reshape": _build_reshape,
    "Squeeze": _build_squeeze,
    "ConcatV2": _build_concat,
    "Mean": _build_reduce(torch.mean),
    "Sum": _build_reduce(torch.sum),
    "Max": _build_reduce(torch.amax),
    "Min": _build_reduce(torch.amin),
    "AvgPool": _build_pool,
    "MaxPool": _build_pool,
}
