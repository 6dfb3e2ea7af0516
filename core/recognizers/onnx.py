"""A face-embedding network the user brought as an ONNX file, judged by onnxruntime.

dlib finds the face and its 5 landmarks; the preset (``core.models.onnx.presets``) crops and scales it exactly as
the PyTorch graph a cloak is made against does; onnxruntime gives the vector. Score and confidence as mobileface's:
cosine similarity to the person's mean training vector, confidence 0.5 at cosine 0.30 until the study calibrates
the line on its clean photos at the chosen false-match rate.

One class serves every added network: ``bound_to`` makes the class of one (its name, file and preset), which is
what the catalogue's entry names (``core.catalogue.Tracker.bound``).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..faces import largest_face
from ..images import NoFaceFound
from ..jobs import NO_JOB, Job
from ..models.onnx.bound import BoundToFile
from ..models.onnx.crop import network_input
from ..models.onnx.fingerprint import file_sha256
from ..models.onnx.presets import parse_preset
from ..models.onnx.runtime import RuntimeNetwork, crop_size
from ..score_scale import cosine_scale
from ..torch_threads import torch_threads
from .base import DEFAULT_THRESHOLD, EmbeddingRecognizer, cosine_to_each
from .embedding import face_region

MATCH_COSINE = 0.30


class OnnxRecognizer(BoundToFile, EmbeddingRecognizer):
    name = "onnx"
    scale = cosine_scale(MATCH_COSINE)
    confidence_doc = (
        "an added ONNX network: the score is the cosine similarity between the test face's vector and the person's "
        "mean training vector. Confidence rises in a straight line from 0 at cosine 0 to 0.5 at cosine 0.30 and on "
        "to 1 at cosine 1; a study sets the line it judges by on its clean photos (the false-match rate)."
    )

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, job: Job = NO_JOB, file: Path | str | None = None,
                 preset: str | None = None):
        super().__init__(threshold, job)
        self.path = Path(file or self.network_file)
        self.runtime = RuntimeNetwork(self.path)
        self.preset = parse_preset(preset or self.preset_spelling)
        self.size = crop_size(self.runtime.input, self.preset, self.path.name)
        self.sha256 = file_sha256(self.path)

    @property
    def network(self) -> str:
        return f"onnx:{self.sha256}:{self.preset.spelling()}"  # the file's bytes and the crop decide the vectors

    def prepared(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        """The network's input (1, ...) for the photo's largest face; raises ``NoFaceFound``."""
        face = largest_face(rgb)
        if face is None:
            raise NoFaceFound(photo)
        region, points = face_region(rgb, face.box, face.landmarks)
        with torch.no_grad(), torch_threads(1):  # one face on one thread, as the built-in networks (embedding.py)
            return network_input(region, points, self.preset, self.size, self.runtime.input.layout).numpy()

    def embed(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        vector = self.runtime.vectors(self.prepared(rgb, photo))[0]
        norm = np.linalg.norm(vector)
        return vector / norm if norm > 0 else vector

    def scores(self, vector: np.ndarray, means: np.ndarray) -> np.ndarray:
        return cosine_to_each(vector, means)

    def describe(self) -> dict:
        return {
            **super().describe(),
            "model": "an ONNX face network added by the user, judged by onnxruntime",
            "network_file": str(self.path),
            "sha256": self.sha256,
            "size_bytes": self.path.stat().st_size,
            "preset": self.preset.spelling(),
            "input": f"{self.runtime.input.layout} {self.size} px",
            "match_cosine": MATCH_COSINE,
            "detector": "dlib HOG + 5-point landmarks",
        }
