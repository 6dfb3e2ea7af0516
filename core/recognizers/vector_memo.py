"""Face vectors this process has already computed, found again by the photo's bytes.

A study enrols the same clean photos several times — the clean condition, photos leaked clean under ``@K``, the
crowd of every condition, the extra clean enrolment that calibrates a study without ``none`` — and a second study
(a what-if, another false-match rate, a resumed run) enrols them again. A network gives the same vector for the
same bytes, so each is computed once per process. The key is the file's content, never its name or date: a
photo rewritten in place is embedded afresh, and two copies of one photo share their vector.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

LIMIT = 50_000  # vectors kept (a 1024-number vector is 8 kB: at most ~400 MB for the largest network)


class VectorMemo:
    def __init__(self, limit: int = LIMIT):
        self.limit = limit
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # studies and the check dialog may embed from two threads

    @staticmethod
    def key(network: str, photo: Path) -> tuple[str, str] | None:
        """(network, SHA-256 of the file), or None when the file cannot be read (the caller's own reading then
        gives the reason)."""
        try:
            return VectorMemo.key_of(network, Path(photo).read_bytes())
        except OSError:
            return None

    @staticmethod
    def key_of(network: str, data: bytes) -> tuple[str, str]:
        """The key of bytes already read: the vector kept under it must be computed from these very bytes."""
        return network, hashlib.sha256(data).hexdigest()

    def get(self, key: tuple[str, str] | None) -> np.ndarray | None:
        if key is None:
            return None
        with self._lock:
            vector = self._vectors.get(key)
            if vector is not None:
                self._vectors.move_to_end(key)
        return None if vector is None else vector.copy()

    def put(self, key: tuple[str, str] | None, vector: np.ndarray) -> None:
        if key is None:
            return
        with self._lock:
            self._vectors[key] = vector.copy()
            self._vectors.move_to_end(key)
            while len(self._vectors) > self.limit:
                self._vectors.popitem(last=False)

    def __contains__(self, key: tuple[str, str] | None) -> bool:
        with self._lock:
            return key in self._vectors

    def clear(self) -> None:
        with self._lock:
            self._vectors.clear()


MEMO = VectorMemo()  # one per process, shared by every recognizer: the key names the network and any cleaning
# done to the photo first (``EmbeddingRecognizer.vectors_key``), so a cleaned photo never gets the clean one's vector
