"""What our own networks see in one photo: statistics of dlib's face network (``core.models.dlib_resnet``)
half way through, where a cloak's texture shows most. For each channel after residual blocks 6 and 9 (the
ends of its 64- and 128-channel stages) the mean and the spread of the activation over the face chip, log
scaled. On the real Fawkes 0.3.1 cloaks these separate cloaked from clean photos far better than pixel
statistics, and about as well whether the photos were re-saved as JPEG or not (``bench/bench_detection.py``)."""
from __future__ import annotations

import numpy as np
import torch

from ..cloaking.extractors import load_extractor
from ..faces import Face
from ..models.dlib_resnet import DlibResNet
from ..torch_threads import torch_threads

LAYER_BLOCKS = (6, 9)  # residual blocks 0–13, input side first
LAYER_CHANNELS = (64, 128)
NETWORK_FEATURES = 2 * sum(LAYER_CHANNELS)


def _dlib_network() -> DlibResNet:
    """The one frozen copy the cloaking engine also uses (``core.cloaking.extractors``): loaded once a process."""
    return load_extractor("dlib", torch.device("cpu"))


@torch.no_grad()
def network_features(rgb: np.ndarray, face: Face) -> np.ndarray:
    """``NETWORK_FEATURES`` numbers from ``rgb`` alone, at the face dlib found in it. One thread: a single chip
    is many times slower with waiting threads when other work holds the cores, and the sums come out the same
    on every machine."""
    with torch_threads(1):
        return _features(_dlib_network(), rgb, face)


def _features(network: DlibResNet, rgb: np.ndarray, face: Face) -> np.ndarray:
    image = torch.from_numpy(np.array(rgb, dtype=np.float32)).permute(2, 0, 1)[None]
    landmarks = torch.from_numpy(np.asarray(face.landmarks, dtype=np.float32))[None]
    features = []
    for n, activation in enumerate(network.block_outputs(network.chips(image, landmarks))):
        if n in LAYER_BLOCKS:
            per_channel = activation[0].flatten(1)
            features += [per_channel.mean(1).log1p(), per_channel.std(1).log1p()]
        if n >= max(LAYER_BLOCKS):
            break
    return torch.cat(features).double().numpy()
