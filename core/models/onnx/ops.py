"""The ONNX operations face-embedding networks use, each as plain differentiable torch following ONNX's rules.

``OPS`` maps an ONNX op type to a function ``fn(attrs, *inputs)``: ``attrs`` the node's attributes as Python
values, ``inputs`` its run-time tensors (None for an omitted optional input). Shape arithmetic (Shape, Gather,
Concat of sizes, Reshape targets) runs on small int64 tensors, so graphs exported with a dynamic batch work.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class UnsupportedOp(ValueError):
    """The graph uses an operation this converter does not implement."""


def _ints(value) -> list[int]:
    """A shape-like input (tensor or list) as Python ints."""
    return [int(v) for v in (value.tolist() if isinstance(value, torch.Tensor) else value)]


def _onnx_pads_to_torch(pads: list[int]) -> list[int]:
    """ONNX pads (all begins, then all ends, first axis first) → F.pad's (last axis first, begin/end pairs)."""
    half = len(pads) // 2
    out: list[int] = []
    for axis in reversed(range(half)):
        out += [pads[axis], pads[axis + half]]
    return out


def _spatial_padding(attrs: dict, x: torch.Tensor, kernel: list[int], strides: list[int], dilations: list[int]):
    """(symmetric padding for the op, explicit padding to apply first or None), from ``pads`` or ``auto_pad``."""
    dims = len(kernel)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads_begin, pads_end = [], []
        for size, k, s, d in zip(x.shape[2:], kernel, strides, dilations):
            out = -(-int(size) // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - int(size), 0)
            small, big = total // 2, total - total // 2
            pads_begin.append(small if auto == "SAME_UPPER" else big)
            pads_end.append(big if auto == "SAME_UPPER" else small)
        pads = pads_begin + pads_end
    else:
        pads = list(attrs.get("pads", [0] * (2 * dims)))
    if pads[:dims] == pads[dims:]:
        return pads[:dims], None
    return [0] * dims, _onnx_pads_to_torch([0, 0] + pads[:dims] + [0, 0] + pads[dims:])


def conv(attrs, x, weight, bias=None):
    kernel = list(attrs.get("kernel_shape", weight.shape[2:]))
    dims = len(kernel)
    strides, dilations = list(attrs.get("strides", [1] * dims)), list(attrs.get("dilations", [1] * dims))
    padding, explicit = _spatial_padding(attrs, x, kernel, strides, dilations)
    if explicit is not None:
        x = F.pad(x, explicit)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]
    return fn(x, weight, bias, strides, padding, dilations, int(attrs.get("group", 1)))


def _pool(attrs, x, kind: str):
    kernel = list(attrs["kernel_shape"])
    dims = len(kernel)
    strides, dilations = list(attrs.get("strides", [1] * dims)), list(attrs.get("dilations", [1] * dims))
    padding, explicit = _spatial_padding(attrs, x, kernel, strides, dilations)
    ceil = bool(attrs.get("ceil_mode", 0))
    if kind == "max":
        if explicit is not None:
            x = F.pad(x, explicit, value=-math.inf)
        return F.max_pool2d(x, kernel, strides, padding, dilations, ceil_mode=ceil)
    include = bool(attrs.get("count_include_pad", 0))
    if explicit is not None:
        if not include:
            raise UnsupportedOp("AveragePool with uneven padding that excludes the padding is not supported")
        x = F.pad(x, explicit)
    return F.avg_pool2d(x, kernel, strides, padding, ceil_mode=ceil, count_include_pad=include)


def batch_norm(attrs, x, scale, bias, mean, var):
    return F.batch_norm(x, mean, var, scale, bias, training=False, eps=float(attrs.get("epsilon", 1e-5)))


def prelu(attrs, x, slope):
    if slope.dim() == 1 and x.dim() > 2 and slope.numel() == x.shape[1]:
        slope = slope.view(1, -1, *([1] * (x.dim() - 2)))  # a per-channel slope as exporters often store it
    return torch.where(x >= 0, x, x * slope)


def gemm(attrs, a, b, c=None):
    a = a.transpose(0, 1) if attrs.get("transA", 0) else a
    b = b.transpose(0, 1) if attrs.get("transB", 0) else b
    out = float(attrs.get("alpha", 1.0)) * (a @ b)
    return out if c is None else out + float(attrs.get("beta", 1.0)) * c


def flatten(attrs, x):
    axis = int(attrs.get("axis", 1)) % max(x.dim(), 1)
    return x.reshape(int(math.prod(x.shape[:axis])), -1)


def reshape(attrs, x, shape):
    target = _ints(shape)
    if not attrs.get("allowzero", 0):
        target = [int(x.shape[i]) if v == 0 else v for i, v in enumerate(target)]
    return x.reshape(target)


def _axes(attrs, given, rank: int) -> list[int] | None:
    axes = _ints(given) if given is not None else attrs.get("axes")
    return None if axes is None else [int(a) % rank for a in axes]


def unsqueeze(attrs, x, axes=None):
    axes = _ints(axes) if axes is not None else list(attrs["axes"])
    rank = x.dim() + len(axes)
    for axis in sorted(a % rank for a in axes):
        x = x.unsqueeze(axis)
    return x


def squeeze(attrs, x, axes=None):
    chosen = _axes(attrs, axes, x.dim())
    if chosen is None:
        return x.squeeze()
    for axis in sorted(chosen, reverse=True):
        x = x.squeeze(axis)
    return x


def _reduce(fn):
    def op(attrs, x, axes=None):
        chosen = _axes(attrs, axes, x.dim())
        if chosen is None and attrs.get("noop_with_empty_axes", 0):
            return x
        keep = bool(attrs.get("keepdims", 1))
        return fn(x, chosen if chosen is not None else list(range(x.dim())), keep)
    return op


def slice_(attrs, x, starts=None, ends=None, axes=None, steps=None):
    starts = _ints(starts) if starts is not None else list(attrs["starts"])
    ends = _ints(ends) if ends is not None else list(attrs["ends"])
    axes = _ints(axes) if axes is not None else list(attrs.get("axes", range(len(starts))))
    steps = _ints(steps) if steps is not None else [1] * len(starts)
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis, size = axis % x.dim(), int(x.shape[axis])
        start, end = start + size if start < 0 else start, end + size if end < 0 else end
        if step > 0:
            start, end = min(max(start, 0), size), min(max(end, 0), size)
            x = x.narrow(axis, start, max(end - start, 0))[(slice(None),) * axis + (slice(None, None, step),)]
        else:  # ONNX's reversed slices (exporters write them to reverse pads), as index lists
            start, end = min(max(start, 0), size - 1), min(max(end, -1), size - 1)
            index = torch.tensor(list(range(start, end, step)), dtype=torch.long, device=x.device)
            x = torch.index_select(x, axis, index)
    return x


def pad(attrs, x, pads=None, value=None, axes=None):
    pads = _ints(pads) if pads is not None else list(attrs["pads"])
    if axes is not None:
        raise UnsupportedOp("Pad with explicit axes is not supported")
    mode = attrs.get("mode", "constant")
    fill = float(value.reshape(-1)[0]) if value is not None and value.numel() else float(attrs.get("value", 0.0))
    torch_pads = _onnx_pads_to_torch(pads)
    while len(torch_pads) > 2 and torch_pads[-2:] == [0, 0]:
        torch_pads = torch_pads[:-2]  # F.pad's reflect/replicate pad only the spatial axes
    if mode == "constant":
        return F.pad(x, torch_pads, value=fill)
    return F.pad(x, torch_pads, mode={"reflect": "reflect", "edge": "replicate"}[mode])


def clip(attrs, x, low=None, high=None):
    low = float(low) if low is not None else attrs.get("min")
    high = float(high) if high is not None else attrs.get("max")
    return torch.clamp(x, min=low, max=high)


_DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 10: torch.float16, 11: torch.float64}


def cast(attrs, x):
    dtype = _DTYPES.get(int(attrs["to"]))
    if dtype is None:
        raise UnsupportedOp(f"Cast to ONNX type {attrs['to']} is not supported")
    return x.to(dtype)


def constant_of_shape(attrs, shape):
    value = attrs.get("value")
    fill = value if isinstance(value, torch.Tensor) else torch.zeros(1)
    return torch.full(_ints(shape), fill.reshape(-1)[0].item(), dtype=fill.dtype, device=shape.device)


def gather(attrs, x, index):
    axis = int(attrs.get("axis", 0)) % x.dim()
    flat = torch.where(index < 0, index + x.shape[axis], index).long()
    return torch.index_select(x, axis, flat.reshape(-1)).reshape(*x.shape[:axis], *index.shape, *x.shape[axis + 1:])


def lp_normalization(attrs, x):
    return F.normalize(x, p=float(attrs.get("p", 2)), dim=int(attrs.get("axis", -1)))


OPS = {
    "Conv": conv,
    "BatchNormalization": batch_norm,
    "PRelu": prelu,
    "Relu": lambda a, x: torch.relu(x),
    "LeakyRelu": lambda a, x: F.leaky_relu(x, float(a.get("alpha", 0.01))),
    "Sigmoid": lambda a, x: torch.sigmoid(x),
    "Tanh": lambda a, x: torch.tanh(x),
    "HardSigmoid": lambda a, x: torch.clamp(float(a.get("alpha", 0.2)) * x + float(a.get("beta", 0.5)), 0, 1),
    "Clip": clip,
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: x / y if x.is_floating_point() or y.is_floating_point() else torch.div(x, y, rounding_mode="trunc"),
    "Max": lambda a, *xs: torch.stack(torch.broadcast_tensors(*xs)).amax(0),
    "Min": lambda a, *xs: torch.stack(torch.broadcast_tensors(*xs)).amin(0),
    "Sum": lambda a, *xs: sum(xs[1:], xs[0]),
    "Pow": lambda a, x, y: torch.pow(x, y),
    "Sqrt": lambda a, x: torch.sqrt(x),
    "Neg": lambda a, x: -x,
    "Abs": lambda a, x: torch.abs(x),
    "Exp": lambda a, x: torch.exp(x),
    "Reciprocal": lambda a, x: 1.0 / x,
    "Softmax": lambda a, x: torch.softmax(x, int(a.get("axis", -1))),
    "MatMul": lambda a, x, y: x @ y,
    "Gemm": gemm,
    "Flatten": flatten,
    "Reshape": reshape,
    "Transpose": lambda a, x: x.permute(*(a.get("perm") or reversed(range(x.dim())))),
    "Concat": lambda a, *xs: torch.cat(xs, int(a["axis"])),
    "Unsqueeze": unsqueeze,
    "Squeeze": squeeze,
    "Slice": slice_,
    "Pad": pad,
    "Cast": cast,
    "Shape": lambda a, x: torch.tensor(list(x.shape), dtype=torch.int64, device=x.device),
    "Gather": gather,
    "ConstantOfShape": constant_of_shape,
    "Identity": lambda a, x: x,
    "Dropout": lambda a, x, *rest: x,
    "MaxPool": lambda a, x: _pool(a, x, "max"),
    "AveragePool": lambda a, x: _pool(a, x, "average"),
    "GlobalAveragePool": lambda a, x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True),
    "GlobalMaxPool": lambda a, x: x.amax(dim=tuple(range(2, x.dim())), keepdim=True),
    "ReduceMean": _reduce(lambda x, axes, keep: x.mean(dim=axes, keepdim=keep)),
    "ReduceSum": _reduce(lambda x, axes, keep: x.sum(dim=axes, keepdim=keep)),
    "ReduceMax": _reduce(lambda x, axes, keep: x.amax(dim=axes, keepdim=keep)),
    "ReduceL2": _reduce(lambda x, axes, keep: torch.sqrt((x * x).sum(dim=axes, keepdim=keep))),
    "LpNormalization": lp_normalization,
}
