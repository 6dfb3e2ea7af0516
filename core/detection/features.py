"""The features of one photo, from that photo alone (a tracker never sees the original): read, put in the
scoring format (``formats``), find the face, then the chosen families. Remembered by the file's content, so a
clean photo shared by several conditions is looked at once."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..faces import largest_face
from ..images import NoFaceFound, load_rgb
from ..recognizers.vector_memo import VectorMemo
from .formats import in_format
from .network_layers import network_features
from .residual import residual_features

NETWORK = "network"
RESIDUAL = "residual"
FAMILIES = {NETWORK: network_features, RESIDUAL: residual_features}
FAMILY_WORDS = {NETWORK: "statistics of dlib's face network half way through (blocks 6 and 9)",
                RESIDUAL: "statistics of the high-frequency residual inside and outside the face box"}
DEFAULT_FAMILIES = (NETWORK, RESIDUAL)

_FEATURES = VectorMemo(limit=4096)  # by the photo's bytes, as the trackers' face vectors are


def photo_features(path: Path | str, fmt: str, families: tuple[str, ...] = DEFAULT_FAMILIES) -> np.ndarray:
    """The features of the photo in ``path`` scored in ``fmt``; raises ``UnusableImage`` (``NoFaceFound``)
    naming the file."""
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        raise ValueError(f"Unknown detector features {', '.join(unknown)}: use {' or '.join(FAMILIES)}.")
    data = Path(path).read_bytes()
    key = VectorMemo.key_of(f"cloak detector {fmt} {'+'.join(families)}", data)
    known = _FEATURES.get(key)
    if known is not None:
        return known
    saved = load_rgb(path, data)
    face = largest_face(saved)  # where the face is, from the photo as saved (found once, whatever the format)
    if face is None:
        raise NoFaceFound(path)
    rgb = in_format(saved, fmt)
    features = np.concatenate([FAMILIES[f](rgb, face) for f in families])
    _FEATURES.put(key, features)
    return features
