"""The graph of a TF.js graph model: the nodes the wanted outputs need, in topological order, built
once into a torch module.

Everything is plain differentiable torch, so gradients reach the input pixels (cloaking needs them).
Each node becomes a ready-made callable once, at load (``ops.BUILDERS``); constants are buffers. A
convolution followed by a per-channel scale, bias and clamp is folded into one. An op the interpreter
does not know raises ``UnsupportedOp``.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from .ops import BUILDERS, UnsupportedOp, conv_fn, conv_weight
from .weights import ModelFileError, read_graph_model


def _source(name: str) -> str:
    """The producing node of an input reference: ``node``, ``node:0`` → ``node``."""
    base, _, port = name.rpartition(":")
    if base and port.isdigit():
        if port != "0":
            raise UnsupportedOp(f"input {name} uses output {port} of a multi-output op, which is not supported")
        return base
    return name


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
        spec, nodes, weights = read_graph_model(json_path, bin_path)

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

        weight, groups = conv_weight(kernel, op == "DepthwiseConv2dNative")
        weight = (weight.double() * torch.from_numpy(scale).view(-1, 1, 1, 1)).float()
        conv = conv_fn(node, groups, kernel.shape[:2])
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
        builder = BUILDERS.get(op)
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

