"""Face detection and 5-point landmarks with dlib (HOG detector, CC0 5-point shape model)."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .models import zoo

_lock = threading.Lock()  # dlib's detector objects are not safe to share between threads
_detector = None
_predictor = None

# The largest face of recently seen photos, by pixel content: a study shows the same test photo to
# every recognizer and every condition, and detection costs more than any of the networks.
FACE_CACHE_SIZE = 2048
_face_cache: OrderedDict[bytes, "Face | None"] = OrderedDict()
_face_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Face:
    box: tuple[int, int, int, int]  # left, top, right, bottom in pixels (may extend past the photo)
    landmarks: np.ndarray  # (5, 2) float x, y in dlib's 5-point order: eye corners 0-1, 2-3, nose base 4

    @property
    def area(self) -> int:
        left, top, right, bottom = self.box
        return max(0, right - left) * max(0, bottom - top)

    def as_dlib_shape(self):
        import dlib

        rect = dlib.rectangle(*self.box)
        return dlib.full_object_detection(rect, [dlib.point(int(round(x)), int(round(y))) for x, y in self.landmarks])


def _models():
    global _detector, _predictor
    if _detector is None:
        import dlib

        _detector = dlib.get_frontal_face_detector()
        _predictor = dlib.shape_predictor(str(zoo.dlib_file("shape_predictor_5_face_landmarks.dat")))
    return _detector, _predictor


def detect_faces(rgb: np.ndarray) -> list[Face]:
    """All faces in an RGB uint8 photo, largest first.

    The photo is searched as it is first (fast), then once more upsampled ×2, which finds faces
    smaller than about 80 pixels.
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    with _lock:
        detector, predictor = _models()
        rects = detector(rgb, 0) or detector(rgb, 1)
        faces = []
        for rect in rects:
            shape = predictor(rgb, rect)
            points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(shape.num_parts)], dtype=np.float64)
            faces.append(Face((rect.left(), rect.top(), rect.right(), rect.bottom()), points))
    return sorted(faces, key=lambda f: f.area, reverse=True)


def largest_face(rgb: np.ndarray) -> Face | None:
    """The largest face in ``rgb`` (None when there is none), remembered by pixel content."""
    key = hashlib.blake2b(np.ascontiguousarray(rgb).data, digest_size=16).digest() + repr(rgb.shape).encode()
    with _face_cache_lock:
        if key in _face_cache:
            _face_cache.move_to_end(key)
            return _face_cache[key]
    faces = detect_faces(rgb)
    face = faces[0] if faces else None
    with _face_cache_lock:
        _face_cache[key] = face
        while len(_face_cache) > FACE_CACHE_SIZE:
            _face_cache.popitem(last=False)
    return face


def clear_face_cache() -> None:
    with _face_cache_lock:
        _face_cache.clear()


def dlib_lock() -> threading.Lock:
    """The lock to hold while calling any other dlib model (they share dlib's global state)."""
    return _lock
