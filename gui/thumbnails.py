"""Thumbnails loaded off the GUI thread, most recently asked for first, and kept in a bounded cache.

Views ask ``ThumbnailCache.get(path)`` while painting; a miss queues the path and returns a grey
placeholder, and ``ready(path)`` fires when the picture is there. The queue is last-in first-out, so the photos on
screen now are loaded before those scrolled past, which keeps a grid of thousands of photos smooth.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QPixmap
from superqt.utils import thread_worker

MAX_PENDING = 400  # older requests than this have scrolled out of sight long ago


class ThumbnailCache(QObject):
    ready = Signal(str)

    def __init__(self, size: int = 96, capacity: int = 4000, parent: QObject | None = None):
        super().__init__(parent)
        self.size = size
        self.capacity = capacity
        self._pixmaps: OrderedDict[str, QPixmap] = OrderedDict()
        self._pending: list[str] = []
        self._queued: set[str] = set()
        self._wake = threading.Condition()
        self._stopping = False
        # shown until the picture is there, so that item sizes are right from the first paint
        self.placeholder = QPixmap(size, size * 3 // 4)
        self.placeholder.fill(Qt.GlobalColor.lightGray)
        self._worker = self._load_forever()
        self._worker.yielded.connect(self._arrived)
        self._worker.start()

    def get(self, path: Path | str) -> QPixmap:
        key = str(path)
        pixmap = self._pixmaps.get(key)
        if pixmap is not None:
            self._pixmaps.move_to_end(key)
            return pixmap
        with self._wake:
            if key not in self._queued:
                self._queued.add(key)
                self._pending.append(key)
                if len(self._pending) > MAX_PENDING:
                    self._queued.discard(self._pending.pop(0))
                self._wake.notify()
        return self.placeholder

    def stop(self) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._worker.quit()

    @thread_worker(start_thread=False)
    def _load_forever(self):
        while True:
            with self._wake:
                while not self._pending and not self._stopping:
                    self._wake.wait(0.5)
                if self._stopping:
                    return
                key = self._pending.pop()  # newest first: what is on screen now
            yield key, _read_scaled(key, self.size)

    def _arrived(self, item: tuple[str, QImage]) -> None:
        key, image = item
        with self._wake:
            self._queued.discard(key)
        self._pixmaps[key] = QPixmap.fromImage(image)
        while len(self._pixmaps) > self.capacity:
            self._pixmaps.popitem(last=False)
        self.ready.emit(key)


def _read_scaled(path: str, size: int) -> QImage:
    """Decode straight to thumbnail size (JPEG decoders scale while decoding), EXIF orientation applied."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    full = reader.size()
    if full.isValid() and full.width() > 0 and full.height() > 0:
        reader.setScaledSize(full.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():  # unreadable: a grey tile, the dataset's problem list says why
        image = QImage(size, size * 3 // 4, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.lightGray)
    return image
