"""dlib's ResNet face descriptor (128-d), run by dlib itself: the default, offline recognizer.

dlib describes a face on one core and holds Python's lock meanwhile, so the photos a study announces
(``expect``) are described ahead in worker processes, one per core: on 2 cores that halves a study.
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from ..faces import dlib_lock, largest_face
from ..images import NoFaceFound, load_rgb
from ..jobs import NO_JOB, Job
from ..models import zoo
from ..parent_watch import watch_parent
from ..score_scale import distance_scale
from .base import EmbeddingRecognizer
from .cleaning import clean_all
from .vector_memo import MEMO

DLIB_MATCH_DISTANCE = 0.6  # dlib's usual "same person" threshold
MODEL_FILE = "dlib_face_recognition_resnet_model_v1.dat"
AHEAD_WORKERS = min(os.cpu_count() or 1, 4)  # more processes than this gain little and each holds the model

_pool: ProcessPoolExecutor | None = None  # shared by every DlibRecognizer: workers keep their model and faces
_pool_lock = threading.Lock()
_worker_net = None  # the model, in a worker process


def _load_net():
    import dlib

    return dlib.face_recognition_model_v1(str(zoo.dlib_file(MODEL_FILE)))


def _describe(net, rgb: np.ndarray, photo: Path) -> np.ndarray:
    face = largest_face(rgb)
    if face is None:
        raise NoFaceFound(photo)
    with dlib_lock():
        return np.array(net.compute_face_descriptor(np.ascontiguousarray(rgb), face.as_dlib_shape()))


def _describe_in_worker(photo: Path, cleaning: tuple = ()) -> tuple[str, np.ndarray]:
    """(SHA-256 of the bytes described, the descriptor of the photo after ``cleaning``): the caller uses it only
    for the bytes it reads itself."""
    global _worker_net
    if _worker_net is None:
        _worker_net = _load_net()
    try:
        data = Path(photo).read_bytes()
    except OSError:
        data = None  # load_rgb names the reason
    digest = MEMO.key_of("", data)[1] if data is not None else ""
    return digest, _describe(_worker_net, clean_all(cleaning, load_rgb(photo, data)), photo)


def _ahead_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:  # spawn, not fork: the window's threads must not be copied into the workers
            _pool = ProcessPoolExecutor(AHEAD_WORKERS, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=watch_parent, initargs=(os.getpid(),))
        return _pool


def shutdown_ahead_pool() -> None:
    """End the workers now, mid-photo if need be: the app or the command is closing (or the pool broke).
    A later ``expect`` starts a new pool. Workers whose parent dies without this leave by themselves."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    workers = list((getattr(pool, "_processes", None) or {}).values())  # the executor has no public way
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.join(timeout=5)


class DlibRecognizer(EmbeddingRecognizer):
    name = "dlib"
    scale = distance_scale(DLIB_MATCH_DISTANCE)
    confidence_doc = (
        "dlib: confidence = max(0, 1 − d / 1.2), where d is the euclidean distance between the test face's "
        "128-number descriptor and the person's mean training descriptor; dlib's usual threshold d = 0.6 gives 0.5."
    )

    def __init__(self, threshold: float = 0.5, job: Job = NO_JOB):
        super().__init__(threshold, job)
        self._net = _load_net()
        self._ahead: dict[Path, Future] = {}

    @property
    def network(self) -> str:
        return f"dlib:{MODEL_FILE}"

    def expect(self, photos: list[Path]) -> None:
        if AHEAD_WORKERS < 2:
            return  # one core: a worker would only add its start-up
        pool = None
        for photo in map(Path, photos):
            if photo not in self._ahead and MEMO.key(self.vectors_key, photo) not in MEMO:
                pool = pool or _ahead_pool()
                self._ahead[photo] = pool.submit(_describe_in_worker, photo, self.cleaning)

    def fresh_vector(self, photo: Path, data: bytes | None = None) -> np.ndarray:
        future = self._ahead.pop(Path(photo), None)
        if future is not None:
            try:
                digest, vector = future.result()
                if data is not None and digest == MEMO.key_of("", data)[1]:
                    return vector  # else the file was rewritten since the worker read it: describe these bytes
            except BrokenProcessPool:  # a worker died (out of memory, killed): go on in this process
                self._ahead.clear()
                shutdown_ahead_pool()
            except CancelledError:  # a stop ended the pool meanwhile (its queued photos with it): go on here
                self._ahead.clear()
        return super().fresh_vector(photo, data)

    def embed(self, rgb: np.ndarray, photo: Path) -> np.ndarray:
        return _describe(self._net, rgb, photo)

    def scores(self, vector: np.ndarray, means: np.ndarray) -> np.ndarray:
        return np.linalg.norm(means - vector, axis=1)

    def close(self) -> None:
        for future in self._ahead.values():
            future.cancel()
        self._ahead.clear()

    def describe(self) -> dict:
        return {**super().describe(), "model": MODEL_FILE, "sha256": zoo.sha256_of(zoo.dlib_file(MODEL_FILE)),
                "detector": "dlib HOG + 5-point landmarks"}
