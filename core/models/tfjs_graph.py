"""A small PyTorch interpreter for TensorFlow.js *graph models* (``model.json`` + weight shards).

Tensors keep TensorFlow's meaning (images are NHWC) so that every op can follow TF's rules literally
(axes of Mean/Pad/Reshape, broadcasting of per-channel constants). Convolutions look at the NHWC
tensor through a ``permute`` view, which PyTorch treats as a channels-last NCHW tensor: no copy.

Everything is plain differentiable torch, so gradients reach the input pixels (cloaking needs them).
Each node becomes a ready-made callable once, at load; weights are buffers, conv kernels are
permuted to PyTorch's layout once. An op the interpreter does not know raises ``UnsupportedOp``.
"""
from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F


class UnsupportedOp(ValueError):
    """The graph uses an operation this interpreter does not implement."""


class ModelFileError(ValueError):
    """The model files are unreadable or inconsistent (truncated weights, missing constant...)."""


_NUMPY_DTYPES = {"float32": np.float32, "int32": np.int32, "bool": np.bool_, "float16": np.float16}
_QUANT_DTYPES = {"uint8": np.uint8, "uint16": np.uint16, "float16": np.float16}


def decode_weights(manifest: Sequence[dict], data: bytes) -> dict[str, np.ndarray]:
    """Weights by name from a ``weightsManifest`` and the concatenation of its shards.

    float16 entries are widened; uint8/uint16 entries are de-quantised as ``q·scale + min``
    (TF.js's affine scheme); the result has the entry's ``dtype``.
    """
    weights: dict[str, np.ndarray] = {}
    offset = 0
    for entry in (w for group in manifest for w in group["weights"]):
        name, shape, dtype = entry["name"], [int(s) for s in entry["shape"]], entry["dtype"]
        count = math.prod(shape)
        quant = entry.get("quantization")
        stored = _QUANT_DTYPES.get(quant["dtype"]) if quant else _NUMPY_DTYPES.get(dtype)
        if stored is None or dtype not in _NUMPY_DTYPES:
            raise ModelFileError(f"weight {name} has an unsupported type ({dtype}, quantisation {quant})")
        size = count * np.dtype(stored).itemsize
        if offset + size > len(data):
            raise ModelFileError(f"the weights file is too short: it ends inside weight {name}")
        raw = np.frombuffer(data, dtype=stored, count=count, offset=offset)
        offset += size
        if quant and quant["dtype"] in ("uint8", "uint16"):
            values = raw.astype(np.float32) * np.float32(quant["scale"]) + np.float32(quant["min"])
            if dtype == "int32":
                values = np.round(values)
        else:
            values = raw
        weights[name] = values.astype(_NUMPY_DTYPES[dtype]).reshape(shape)
    if offset != len(data):
        raise ModelFileError(f"the weights file has {len(data) - offset} bytes more than the manifest describes")
    return weights


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


def _source(name: str) -> str:
    """The producing node of an input reference: ``node``, ``node:0`` → ``node``."""
    base, _, port = name.rpartition(":")
    if base and port.isdigit():
        if port != "0":
            raise UnsupportedOp(f"input {name} uses output {port} of a multi-output op, which is not supported")
        return base
    return name


# ---------------------------------------------------------------- op builders
# Each builder gets the node, its input names and a ``const(i)`` accessor (input i's value as numpy
# when it is a constant, else None) and returns (function, run-time input names, constants it needs
# as (key, tensor)); the function is called with the run-time inputs, then those constants.


def _as_nchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2)


def _as_nhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1)


def _check_nhwc(node: dict) -> None:
    layout = _attr(node, "data_format", "NHWC")
    if layout != "NHWC":
        raise UnsupportedOp(f"{node['op']} {node['name']}: data_format {layout} (only NHWC)")


def _conv_fn(node: dict, groups: int, kernel: tuple[int, int]) -> Callable:
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


def _conv_weight(kernel: np.ndarray, depthwise: bool) -> tuple[torch.Tensor, int]:
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


class _Node:
    """One executable node: which values it reads and the function it applies."""

    __slots__ = ("name", "inputs", "fn")

    def __init__(self, name: str, inputs: list[str], fn: Callable):
        self.name, self.inputs, self.fn = name, inputs, fn


class TFJSGraphModel(torch.nn.Module):
    """A TF.js graph model run by PyTorch.

    ``TFJSGraphModel(json_path, bin_path=None, outputs=None)``: ``bin_path`` replaces the shard paths
    named in the json (for a single-shard model kept under another name); ``outputs`` are tensor names
    (``"batchnorm0/add_1:0"``), by default the signature's outputs. Only the part of the graph those
    outputs need is built. ``fold`` merges a convolution with the per-channel scale, bias and
    ReLU/ReLU6 clamp that follow it (unfused batch norm, as in faceres): the same function, about a
    third less time. ``forward(x)`` takes the graph's one placeholder as a tensor (NHWC as in TF)
    and returns one tensor, or a tuple when several outputs were asked for.
    """

    def __init__(
        self,
        json_path: Path | str,
        bin_path: Path | str | None = None,
        outputs: Sequence[str] | None = None,
        fold: bool = True,
    ):
        super().__init__()
        json_path = Path(json_path)
        try:
            spec = json.loads(json_path.read_text(encoding="utf-8"))
            nodes = {n["name"]: n for n in spec["modelTopology"]["node"]}
            manifest = spec["weightsManifest"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelFileError(f"{json_path.name} is not a readable TF.js graph model ({exc})") from exc
        shard_paths = [Path(bin_path)] if bin_path else [json_path.parent / p for g in manifest for p in g["paths"]]
        try:
            data = b"".join(p.read_bytes() for p in shard_paths)
        except OSError as exc:
            raise ModelFileError(f"cannot read the weights of {json_path.name}: {exc}") from exc
        try:
            weights = decode_weights(manifest, data)
        except ModelFileError as exc:
            raise ModelFileError(f"{json_path.name}: {exc}") from exc

        if outputs is None:
            outputs = list(spec.get("signature", {}).get("outputs", {}))
        if not outputs:
            raise ModelFileError(f"{json_path.name}: no output named and the model has no signature")
        self.output_names = [_source(o) for o in outputs]
        for name in self.output_names:
            if name not in nodes:
                raise ModelFileError(f"{json_path.name} has no node named {name}")

        order = self._needed_in_order(nodes, self.output_names)
        placeholders = [n for n in order if nodes[n]["op"] == "Placeholder"]
        if len(placeholders) != 1:
            raise UnsupportedOp(f"{json_path.name}: expected one input placeholder, found {placeholders}")
        self.input_name = placeholders[0]

        self._consts: dict[str, np.ndarray] = {}
        self._buffer_of: dict[str, str] = {}
        self._plan: list[_Node] = []
        consumers: dict[str, list[str]] = {}
        for name in order:
            for inp in nodes[name].get("input", []):
                if not inp.startswith("^"):
                    consumers.setdefault(_source(inp), []).append(name)
        for name in order:  # constants first: a folded chain reads those of later nodes
            node = nodes[name]
            if node["op"] == "Const":
                if name not in weights:
                    raise ModelFileError(f"{json_path.name}: constant {name} is not in the weights manifest")
                self._consts[name] = weights[name]
            elif node["op"] == "Identity" and _source(node["input"][0]) in self._consts:
                self._consts[name] = self._consts[_source(node["input"][0])]
        absorbed: set[str] = set()
        for name in order:
            node = nodes[name]
            if name in absorbed or name in self._consts or node["op"] == "Placeholder":
                continue
            folded = self._fold_conv_chain(node, nodes, consumers) if fold else None
            if folded is not None:
                self._plan.append(folded[0])
                absorbed.update(folded[1])
            else:
                self._plan.append(self._build(node))
        del self._consts  # only needed while building

    # ------------------------------------------------------------ graph walking

    @staticmethod
    def _needed_in_order(nodes: dict[str, dict], outputs: list[str]) -> list[str]:
        """Nodes the outputs depend on, each after its inputs (depth-first, no recursion)."""
        order, state = [], {}
        for root in outputs:
            stack = [(root, False)]
            while stack:
                name, expanded = stack.pop()
                if expanded:
                    state[name] = "done"
                    order.append(name)
                    continue
                if state.get(name) == "done":
                    continue
                if state.get(name) == "open":
                    raise ModelFileError(f"the graph has a cycle through {name}")
                if name not in nodes:
                    raise ModelFileError(f"the graph refers to a missing node {name}")
                state[name] = "open"
                stack.append((name, True))
                for inp in reversed(nodes[name].get("input", [])):
                    if not inp.startswith("^") and state.get(_source(inp)) != "done":
                        stack.append((_source(inp), False))
        return order

    def _fold_conv_chain(self, node: dict, nodes: dict[str, dict], consumers: dict[str, list[str]]):
        """A Conv2D/DepthwiseConv2dNative followed, each the sole user of the one before, by
        ``Mul`` (per-channel constant) → ``Add`` (per-channel constant) → ``Relu``/``Relu6``, or ``Relu``
        → ``Minimum`` (constant) → ``Maximum`` (constant 0), becomes one convolution with a scaled
        kernel, a bias and a clamp. Returns (the node, the names it replaces) or None."""
        op = node["op"]
        if op not in ("Conv2D", "DepthwiseConv2dNative") or _source(node["input"][1]) not in self._consts:
            return None
        kernel = self._consts[_source(node["input"][1])]
        channels = kernel.shape[3] * (kernel.shape[2] if op == "DepthwiseConv2dNative" else 1)
        tail, chain = node["name"], []

        def next_with_constant(ops: tuple[str, ...]):
            """The sole user of ``tail`` if its op is one of ``ops``, with its constant operand (or None)."""
            users = consumers.get(tail, [])
            if len(users) != 1 or tail in self.output_names or nodes[users[0]]["op"] not in ops:
                return None, None
            user = nodes[users[0]]
            others = [_source(i) for i in user["input"] if _source(i) != tail]
            if len(user["input"]) == 1:
                return user, None
            if len(others) != 1 or others[0] not in self._consts:
                return None, None
            return user, self._consts[others[0]]

        def per_channel(value) -> np.ndarray | None:
            if value is None or value.dtype.kind != "f" or value.size not in (1, channels):
                return None
            if value.size > 1 and value.shape[-1] != channels:
                return None
            return np.broadcast_to(value.reshape(-1), (channels,)).astype(np.float64)

        scale, bias, low, high = np.ones(channels), np.zeros(channels), -math.inf, math.inf
        user, value = next_with_constant(("Mul",))
        if user is not None and per_channel(value) is not None:
            scale, tail = per_channel(value), user["name"]
            chain.append(tail)
        user, value = next_with_constant(("Add", "AddV2", "BiasAdd"))
        if user is not None and per_channel(value) is not None:
            bias, tail = per_channel(value), user["name"]
            chain.append(tail)
        user, _ = next_with_constant(("Relu", "Relu6"))
        if user is not None:
            low, high, tail = 0.0, (6.0 if user["op"] == "Relu6" else math.inf), user["name"]
            chain.append(tail)
            user, value = next_with_constant(("Minimum",))
            if user is not None and value is not None and value.size == 1 and float(value) >= 0:
                high, tail = min(high, float(value.reshape(-1)[0])), user["name"]
                chain.append(tail)
                user, value = next_with_constant(("Maximum",))
                if user is not None and value is not None and value.size == 1 and float(value) == 0:
                    tail = user["name"]
                    chain.append(tail)
        if not chain:
            return None

        weight, groups = _conv_weight(kernel, op == "DepthwiseConv2dNative")
        weight = (weight.double() * torch.from_numpy(scale).view(-1, 1, 1, 1)).float()
        conv = _conv_fn(node, groups, kernel.shape[:2])
        clamp = (low, high) if (low, high) != (-math.inf, math.inf) else None

        def folded(x, w, b):
            y = conv(x, w, b)
            return torch.clamp(y, min=clamp[0], max=None if clamp[1] == math.inf else clamp[1]) if clamp else y

        refs = [_source(node["input"][0]), "@" + self._buffer(tail + "#w", weight),
                "@" + self._buffer(tail + "#b", torch.from_numpy(bias).float())]
        return _Node(tail, refs, folded), chain

    def _buffer(self, key: str, value: torch.Tensor) -> str:
        name = f"w{len(self._buffer_of)}"
        self.register_buffer(name, value)
        self._buffer_of[key] = name
        return name

    def _build(self, node: dict) -> _Node:
        """Turn a node into a callable over run-time values; constants become buffers."""
        op, name = node["op"], node["name"]
        inputs = [_source(i) for i in node.get("input", []) if not i.startswith("^")]
        const = lambda i: self._consts.get(inputs[i])  # noqa: E731
        builder = _BUILDERS.get(op)
        if builder is None:
            raise UnsupportedOp(f"node {name}: the operation {op} is not supported by this interpreter")
        fn, runtime_inputs, buffers = builder(node, inputs, const)
        # Constant tensors the callable needs are passed in as extra inputs, read from buffers at run time
        # (so that .to(device) moves them); they are named "@buffer".
        refs = list(runtime_inputs)
        for key, value in buffers:
            refs.append("@" + (self._buffer_of.get(key) or self._buffer(key, value)))
        return _Node(name, refs, fn)

    def forward(self, x: torch.Tensor):
        values: dict[str, torch.Tensor] = {self.input_name: x}
        for step in self._plan:
            args = [getattr(self, ref[1:]) if ref[0] == "@" else values[ref] for ref in step.inputs]
            values[step.name] = step.fn(*args)
        if len(self.output_names) == 1:
            return values[self.output_names[0]]
        return tuple(values[n] for n in self.output_names)


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
    weight, groups = _conv_weight(kernel, depthwise)
    conv = _conv_fn(node, groups, kernel.shape[:2])
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


_BUILDERS: dict[str, Callable] = {
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
