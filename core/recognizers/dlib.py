"""dlib's ResNet face descriptor (128-d), run by dlib itself: the default, offline recognizer."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..faces import dlib_lock, largest_face
from ..images import NoFaceFound
from ..jobs import NO_JOB, Job
from ..models import zoo
from .base import EmbeddingRecognizer

DLIB_MATCH_DISTANCE = 0.6  # dlib's usual "same person" threshold


class DlibRecognizer(EmbeddingRecognizer):
    name = "dlib"
    score_name = "euclidean distance"
    confidence_doc = (
        "dlib: confidence = max(0, 1 − d / 1.2), where d is the euclidean distance between the test face's "
        "128-number descriptor and the person's mean training descriptor; dlib's usual threshold d = 0.6 gives 0.5."
    )
    higher_is_better = False
    model_file = "dlib_face_recognition_resnet_model_v1.dat"

    def __init__(self, threshold: float = 0.5, job: Job = NO_JOB):
        super().__init__(threshold, job)
        import dlib

        self._net = dlib.face_recognition_model_v1(str(zoo.dlib_file(self.model_file)))

    def embed(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        face = largest_face(rgb)
        if face is None:
            raise NoFaceFound(photo)
        with dlib_lock():
            return np.array(self._net.compute_face_descriptor(np.ascontiguousarray(rgb), face.as_dlib_shape()))

    def scores(self, vector: np.ndarray, means: np.ndarray) -> np.ndarray:
        return np.linalg.norm(means - vector, axis=1)

    def confidence(self, score: float) -> float:
        return float(np.clip(1.0 - score / (2 * DLIB_MATCH_DISTANCE), 0.0, 1.0))

    def describe(self) -> dict:
        return {**super().describe(), "model": self.model_file, "sha256": zoo.sha256_of(zoo.dlib_file(self.model_file)),
                "detector": "dlib HOG + 5-point landmarks"}
