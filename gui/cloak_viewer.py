"""Original | cloaked | (as enrolled, under a condition's modifiers) | difference amplified, side by side,
zoomed and panned together."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from .worker import Task, run_task

ZOOM_STEP = 1.25


class SyncedView(QGraphicsView):
    """A picture view whose wheel zoom is handed to the viewer, which applies it to every view."""

    def __init__(self, viewer: "CloakViewer"):
        super().__init__()
        self.viewer = viewer
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.FastTransformation)  # show pixels as they are
        self.scene().addItem(self.item)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        self.setToolTip("Scroll to zoom, drag to pan: the three pictures follow each other.")

    def wheelEvent(self, event) -> None:
        self.viewer.zoom(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.viewer.fitting:
            self.viewer.fit()

    def show_pixmap(self, pixmap: QPixmap) -> None:
        self.item.setPixmap(pixmap)
        self.scene().setSceneRect(self.item.boundingRect())


class CloakViewer(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._scale = 1.0
        self.fitting = True  # keep the whole photo in view as the window is resized, until the user zooms
        self.views = [SyncedView(self) for _ in range(3)]
        self.titles = [QLabel("Original"), QLabel("Cloaked"), QLabel("Difference ×20")]
        # the photo as a modified condition enrols it (+jpeg, +resize, @K), shown only for such a condition
        self.enrolled_view, self.enrolled_title = SyncedView(self), QLabel("As enrolled")
        grid = QGridLayout()
        for i, (title, view) in enumerate(zip(self.titles[:2] + [self.enrolled_title, self.titles[2]],
                                              self.views[:2] + [self.enrolled_view, self.views[2]])):
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(title, 0, i)
            grid.addWidget(view, 1, i)
        self.enrolled_view.hide()
        self.enrolled_title.hide()
        for view in self._synced():  # pan together: each scroll bar drives the others
            for bar_of in (QGraphicsView.horizontalScrollBar, QGraphicsView.verticalScrollBar):
                bar_of(view).valueChanged.connect(lambda value, bar_of=bar_of: self._pan(bar_of, value))

        self.gain = QSpinBox()
        self.gain.setRange(1, 100)
        self.gain.setValue(20)
        self.gain.setPrefix("×")
        self.gain.setToolTip("How much the difference is amplified so that a small cloak becomes visible.")
        self.gain.valueChanged.connect(self._redraw_difference)
        fit = QPushButton("Fit")
        fit.setToolTip("Show the whole photo.")
        fit.clicked.connect(self.fit)
        actual = QPushButton("100 %")
        actual.setToolTip("One photo pixel per screen pixel.")
        actual.clicked.connect(lambda: self.set_scale(1.0, fitting=False))
        self.metrics = QLabel("Choose a cloaked photo in the list to compare it with its original.")
        self.metrics.setWordWrap(True)
        controls = QHBoxLayout()
        controls.addWidget(self.metrics, 1)
        controls.addWidget(QLabel("Difference"))
        controls.addWidget(self.gain)
        controls.addWidget(fit)
        controls.addWidget(actual)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, 1)
        layout.addLayout(controls)
        self._pair: tuple | None = None  # (original, cloaked) RGB arrays

    def _synced(self) -> list[SyncedView]:
        return [*self.views, self.enrolled_view]

    def show_pair(self, original: Path, cloaked: Path, metrics_text: str,
                  as_enrolled: Callable[[], tuple | None] | None = None) -> Task:
        """Load both photos off the GUI thread, then show them and their difference; ``as_enrolled`` (run
        there too) gives the photo as the selected condition enrols it and its words, or None."""
        self.metrics.setText(metrics_text)

        def load(job):
            from core.images import load_rgb
            return load_rgb(original), load_rgb(cloaked), as_enrolled() if as_enrolled else None

        return run_task(self, load, f"showing {Path(cloaked).name}", success=self._show_loaded)

    def _show_loaded(self, loaded: tuple) -> None:
        *pair, enrolled = loaded
        self._pair = tuple(pair)
        self.views[0].show_pixmap(to_pixmap(pair[0]))
        self.views[1].show_pixmap(to_pixmap(pair[1]))
        self.enrolled_view.setVisible(enrolled is not None)
        self.enrolled_title.setVisible(enrolled is not None)
        if enrolled is not None:
            rgb, words = enrolled
            self.enrolled_view.show_pixmap(to_pixmap(rgb))
            self.enrolled_title.setText(f"As enrolled: {words}")
            self.enrolled_title.setToolTip(f"The photo the study enrols under this condition ({rgb.shape[1]}×{rgb.shape[0]} px).")
        self._redraw_difference()
        if self.fitting:
            self.fit()

    def _redraw_difference(self) -> None:
        self.titles[2].setText(f"Difference ×{self.gain.value()}")
        if self._pair is None:
            return
        original, cloaked = self._pair
        if original.shape != cloaked.shape:
            self.views[2].show_pixmap(QPixmap())
            self.titles[2].setText("Difference: the two photos differ in size")
            return
        import numpy as np  # loaded by then: the photos came as arrays

        diff = np.abs(cloaked.astype(np.int16) - original.astype(np.int16)) * self.gain.value()
        self.views[2].show_pixmap(to_pixmap(np.clip(diff, 0, 255).astype(np.uint8)))

    def zoom(self, factor: float) -> None:
        self.set_scale(self._scale * factor, fitting=False)

    def set_scale(self, scale: float, fitting: bool) -> None:
        self.fitting = fitting
        self._scale = min(max(scale, 0.05), 40.0)
        for view in self._synced():
            view.resetTransform()
            view.scale(self._scale, self._scale)

    def fit(self) -> None:
        view = self.views[0]
        rect = view.scene().sceneRect()
        if rect.isEmpty():
            return
        viewport = view.viewport().size()
        self.set_scale(min(viewport.width() / rect.width(), viewport.height() / rect.height()) * 0.98, fitting=True)

    def _pan(self, bar_of, value: int) -> None:
        for view in self._synced():
            bar = bar_of(view)
            if bar.value() != value:
                bar.setValue(value)


def to_pixmap(rgb) -> QPixmap:
    import numpy as np

    rgb = np.ascontiguousarray(rgb)
    height, width = rgb.shape[:2]
    image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())  # copy: the array may go away
