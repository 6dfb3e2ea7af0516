"""dlib's face recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) rebuilt in PyTorch.

The weights are read straight from dlib's own serialisation (no dlib call), so the network is
differentiable end to end: from the photo's pixels, through dlib's 5-point face chip, to the
128-d descriptor. It reproduces ``dlib.face_recognition_model_v1.compute_face_descriptor``.

The network (dlib's ``anet_type``, stored input side first in the file):
  input_rgb_image_sized<150>: (pixel − channel mean) / 256
  con 32 7×7/2 → affine → relu → max_pool 3×3/2
  residual blocks: con 3×3 (/2 in "down" blocks) → affine → relu → con 3×3 → affine, added to the
  block's input (average-pooled 2×2/2 in down blocks) → relu; 3×32, 4×64 (1 down), 3×128 (1 down),
  3×256 (1 down), 1×256 (down)
  mean over positions → fc 256→128 (no bias)
dlib adds tensors of different shapes by zero-padding the smaller one (channels and rows/columns):
the 3×3 stride-2 convolutions have no padding, so at 8×8 → 3×3 (con) vs 4×4 (pool) they differ.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import alignment, zoo
from .base import FaceEmbedder

MODEL_FILE = "dlib_face_recognition_resnet_model_v1.dat"
CHIP_SIZE = 150
CHIP_PADDING = 0.25


# ---------------------------------------------------------------------------------------------
# Reading dlib's serialisation


class _Reader:
    """dlib's stream format: variable-length integers, (mantissa, exponent) floats, tensors of
    little-endian float32 with a small header."""

    def __init__(self, data: bytes, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def _fail(self, what: str):
        raise ValueError(f"{self.path.name} is not a dlib face recognition model this program can read ({what}).")

    def int(self) -> int:
        head = self.data[self.pos]
        size = head & 0x0F
        value = int.from_bytes(self.data[self.pos + 1 : self.pos + 1 + size], "little")
        self.pos += 1 + size
        return -value if head & 0x80 else value

    def float(self) -> float:
        mantissa, exponent = self.int(), self.int()
        return float(np.float32(mantissa * 2.0**exponent))

    def tensor(self) -> np.ndarray:
        if self.int() != 2:
            self._fail("unknown tensor version")
        shape = [self.int() for _ in range(4)]
        count = int(np.prod(shape))
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos).astype(np.float32)
        self.pos += 4 * count
        return values

    def next_layer(self) -> bytes:
        """Skip to the next layer name (dlib writes each one as a length-prefixed string); the
        bookkeeping between layers (versions, flags, empty tensors) carries no weights."""
        while found := _LAYER_NAME.search(self.data, self.pos):
            self.pos = found.end()
            if found.group(1)[0] == len(found.group(2)):
                return found.group(2)
        return b""


_LAYER_NAMES = (b"input_rgb_image_sized", b"con_4", b"affine_", b"relu_", b"max_pool_2", b"avg_pool_2", b"add_prev_", b"fc_2")
_LAYER_NAME = re.compile(b"\\x01(.)(" + b"|".join(_LAYER_NAMES) + b")", re.DOTALL)


@dataclass
class _Conv:
    weight: np.ndarray  # (out, in, kh, kw)
    bias: np.ndarray
    stride: int
    padding: int


@dataclass
class _Block:
    """One residual block; ``down`` halves the resolution (stride-2 first convolution)."""

    conv1: _Conv
    conv2: _Conv
    down: bool


@dataclass
class _Weights:
    channel_mean: np.ndarray  # R, G, B
    stem: _Conv
    stem_pool: tuple[int, int, int]  # window, stride, padding
    blocks: list[_Block] = field(default_factory=list)
    fc: np.ndarray | None = None  # (128, 256)


def _read_conv(r: _Reader) -> _Conv:
    params = r.tensor()
    filters, rows, cols, stride_y, stride_x, pad_y, pad_x = (r.int() for _ in range(7))
    if rows != cols or stride_y != stride_x or pad_y != pad_x:
        r._fail("non-square convolution")
    channels = (params.size - filters) // (filters * rows * cols)
    weight = params[: filters * channels * rows * cols].reshape(filters, channels, rows, cols)
    return _Conv(weight, params[filters * channels * rows * cols :].copy(), stride_y, pad_y)


def _fold_affine(conv: _Conv, r: _Reader) -> _Conv:
    """dlib's affine layer (a frozen batch norm: x·γ + β per channel) merged into the convolution."""
    params = r.tensor()
    gamma, beta = params[: params.size // 2], params[params.size // 2 :]
    if gamma.size != conv.weight.shape[0]:
        r._fail("affine layer size")
    return _Conv(conv.weight * gamma[:, None, None, None], conv.bias * gamma + beta, conv.stride, conv.padding)


def read_dlib_resnet(path: Path) -> _Weights:
    """Parse the model file into convolution weights (affine layers folded in) and the fc matrix."""
    r = _Reader(Path(path).read_bytes(), Path(path))
    layers: list[tuple[bytes, object]] = []
    mean = None
    while name := r.next_layer():
        if name == b"input_rgb_image_sized":
            mean = np.array([r.float() for _ in range(3)], dtype=np.float32)
            if (r.int(), r.int()) != (CHIP_SIZE, CHIP_SIZE):
                r._fail("input size is not 150")
        elif name == b"con_4":
            layers.append(("con", _read_conv(r)))
        elif name == b"affine_":
            prev_kind, prev = layers[-1]
            if prev_kind != "con":
                r._fail("affine layer not after a convolution")
            layers[-1] = ("con+affine", _fold_affine(prev, r))
        elif name in (b"max_pool_2", b"avg_pool_2"):
            window, _, stride, _, pad, _ = (r.int() for _ in range(6))
            layers.append((name.decode()[:-2], (window, stride, pad)))
        elif name == b"fc_2":
            outputs, inputs = r.int(), r.int()
            params = r.tensor()
            if params.size != outputs * inputs:
                r._fail("fc layer with a bias")
            layers.append(("fc", params.reshape(inputs, outputs).T.copy()))
        else:
            layers.append((name.decode().rstrip("_"), None))
    kinds = [k for k, _ in layers]
    if mean is None or kinds[:3] != ["con+affine", "relu", "max_pool"] or kinds[-2:] != ["avg_pool", "fc"]:
        r._fail("unexpected layer sequence")

    weights = _Weights(mean, layers[0][1], layers[2][1])
    # Residual blocks: con+affine, relu, con+affine, [avg_pool], add_prev, relu
    i = 3
    while kinds[i] == "con+affine":
        down = kinds[i + 3] == "avg_pool"
        expected = ["con+affine", "relu", "con+affine"] + (["avg_pool"] if down else []) + ["add_prev", "relu"]
        if kinds[i : i + len(expected)] != expected:
            r._fail(f"unexpected residual block at layer {i}")
        weights.blocks.append(_Block(layers[i][1], layers[i + 2][1], down))
        i += len(expected)
    if kinds[i:] != ["avg_pool", "fc"] or len(weights.blocks) != 14:
        r._fail("unexpected end of network")
    weights.fc = layers[i + 1][1]
    return weights


# ---------------------------------------------------------------------------------------------
# The network


def _add_zero_padded(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """dlib's add_prev: the sum has the larger size in every dimension, the smaller operand
    counts as zero where it has no values."""
    c, h, w = (max(x, y) for x, y in zip(a.shape[1:], b.shape[1:]))

    def grow(t):
        pad = (0, w - t.shape[3], 0, h - t.shape[2], 0, c - t.shape[1])
        return F.pad(t, pad) if any(pad) else t

    return grow(a) + grow(b)


class DlibResNet(FaceEmbedder):
    """dlib's 128-d face descriptor, differentiable from the photo's pixels."""

    name = "dlib"
    dim = 128

    def __init__(self, path: str | Path | None = None, quantize_chip: bool = True):
        """``quantize_chip``: round the aligned chip down to whole grey levels like dlib (which
        stores it as 8-bit) in the forward pass; gradients pass straight through."""
        super().__init__()
        weights = read_dlib_resnet(Path(path) if path else zoo.dlib_file(MODEL_FILE))
        self.quantize_chip = quantize_chip
        self.register_buffer("channel_mean", torch.from_numpy(weights.channel_mean).view(1, 3, 1, 1))
        self._convs: list[tuple[int, int]] = []  # stride, padding of each convolution, in order
        self._down: list[bool] = [b.down for b in weights.blocks]
        self.stem_pool = weights.stem_pool
        convs = [weights.stem] + [c for b in weights.blocks for c in (b.conv1, b.conv2)]
        for k, conv in enumerate(convs):
            self.register_buffer(f"w{k}", torch.from_numpy(conv.weight).contiguous(memory_format=torch.channels_last))
            self.register_buffer(f"b{k}", torch.from_numpy(conv.bias))
            self._convs.append((conv.stride, conv.padding))
        self.register_buffer("fc", torch.from_numpy(weights.fc))
        self.eval()

    def _conv(self, x: torch.Tensor, k: int) -> torch.Tensor:
        stride, padding = self._convs[k]
        return F.conv2d(x, getattr(self, f"w{k}"), getattr(self, f"b{k}"), stride=stride, padding=padding)

    def embed_chips(self, chips: torch.Tensor) -> torch.Tensor:
        """Descriptors of aligned 150×150 chips (B, 3, 150, 150), RGB 0..255 (like dlib's chips)."""
        for x in self.block_outputs(chips):
            pass
        return x.mean(dim=(2, 3)) @ self.fc.T

    def block_outputs(self, chips: torch.Tensor):
        """Each residual block's output in turn (14, input side first), for a look inside the network
        (``core.detection``); a caller may stop early."""
        if chips.shape[1:] != (3, CHIP_SIZE, CHIP_SIZE):
            raise ValueError(f"dlib's network needs 3×{CHIP_SIZE}×{CHIP_SIZE} chips, got {tuple(chips.shape[1:])}.")
        x = ((chips.float() - self.channel_mean) / 256.0).contiguous(memory_format=torch.channels_last)
        window, stride, padding = self.stem_pool
        x = F.max_pool2d(F.relu(self._conv(x, 0)), window, stride, padding)
        for n, down in enumerate(self._down):
            y = self._conv(F.relu(self._conv(x, 1 + 2 * n)), 2 + 2 * n)
            shortcut = F.avg_pool2d(x, 2, 2) if down else x
            x = F.relu(_add_zero_padded(y, shortcut))
            yield x

    def chips(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        """dlib's 150-px face chips (padding 0.25) of ``image`` (B,3,H,W) at ``landmarks`` (B,5,2)."""
        return alignment.dlib_face_chip(image, landmarks, CHIP_SIZE, CHIP_PADDING, quantize=self.quantize_chip)

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        """Descriptors (B, 128) of the faces at ``landmarks`` (B, 5, 2) in ``image`` (B, 3, H, W) RGB
        0..255: dlib's ``compute_face_descriptor(photo, shape)`` when the landmarks are dlib's (whole
        pixels). ``image`` may be a crop holding ``alignment.dlib_chip_source_box``."""
        return self.embed_chips(self.chips(image, landmarks))
