"""The weights of a TF.js graph model: reading ``model.json`` and its weight shards, decoding each
weight's dtype and TF.js's quantisation into numpy arrays."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Sequence

import numpy as np


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


def read_graph_model(json_path: Path, bin_path: Path | str | None = None) -> tuple[dict, dict[str, dict], dict[str, np.ndarray]]:
    """The model's json (``spec``), its nodes by name and its weights by name. ``bin_path`` replaces the
    shard paths named in the json (a single-shard model kept under another name)."""
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
    return spec, nodes, weights
