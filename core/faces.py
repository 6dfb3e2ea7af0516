"""Face detection and 5-point landmarks with dlib (HOG detector, CC0 5-point shape model)."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PIL import Image

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


# The HOG detector finds faces of about 80 pixels and up; a photo whose short side has at least this
# many pixels is searched at half size first, a quarter of the work, when only its largest face is needed.
HALF_SIZE_FROM = 400


def detect_faces(rgb: np.ndarray) -> list[Face]:
    """All faces in an RGB uint8 photo, largest first.

    The photo is searched as it is first (fast), then once more upsampled ×2, which finds faces
    smaller than about 80 pixels.
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    with _lock:
        detector, _ = _models()
        rects = detector(rgb, 0) or detector(rgb, 1)
        return _with_landmarks(rgb, [(r.left(), r.top(), r.right(), r.bottom()) for r in rects])


def _detect_largest(rgb: np.ndarray) -> Face | None:
    """The largest face: looked for at half size first (a face found there is 160 pixels or more at
    full size, so no smaller face can be the largest), else as ``detect_faces`` looks."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    if min(height, width) >= HALF_SIZE_FROM:
        half = np.asarray(Image.fromarray(rgb).reduce(2))  # each pixel the mean of a 2×2 block
        with _lock:
            detector, _ = _models()
            rects = detector(half, 0)
            if rects:
                boxes = [(2 * r.left(), 2 * r.top(), 2 * r.right() + 1, 2 * r.bottom() + 1) for r in rects]
                return _with_landmarks(rgb, boxes)[0]
    faces = detect_faces(rgb)
    return faces[0] if faces else None


def _with_landmarks(rgb: np.ndarray, boxes: list[tuple[int, int, int, int]]) -> list[Face]:
    """Faces for the detector's boxes, largest first; the caller holds ``_lock``."""
    import dlib

    _, predictor = _models()
    faces = []
    for box in boxes:
        shape = predictor(rgb, dlib.rectangle(*box))
        points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(shape.num_parts)], dtype=np.float64)
        faces.append(Face(box, points))
    return sorted(faces, key=lambda f: f.area, reverse=True)


def largest_face(rgb: np.ndarray) -> Face | None:
    """The largest face in ``rgb`` (None when there is none), remembered by pixel content."""
    key = hashlib.blake2b(np.ascontiguousarray(rgb).data, digest_size=16).digest() + repr(rgb.shape).encode()
    with _face_cache_lock:
        if key in _face_cache:
            _face_cache.move_to_end(key)
            return _face_cache[key]
    face = _detect_largest(rgb)
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
