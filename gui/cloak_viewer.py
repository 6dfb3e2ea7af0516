"""Original | cloaked | (as enrolled, under a condition's modifiers) | difference amplified, side by side,
zoomed and panned together; the arrow keys step through the host's photos, and "Enlarge" asks the host to give
the viewer all the room (the zoom, the pan and the amplification stay as they are)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import (QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QGridLayout, QHBoxLayout, QLabel,
                               QPushButton, QSizePolicy, QSpinBox, QVBoxLayout, QWidget)

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
        self.setToolTip("Scroll to zoom, drag to pan: the pictures follow each other. "
                        "Left and right arrow keys: the previous or next photo.")

    def keyPressEvent(self, event) -> None:
        if not self.viewer.step_key(event):  # a view would scroll on the arrow keys
            super().keyPressEvent(event)

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
    """The host lists the photos: it says where the shown one is (``set_position``) and shows the photo that
    ``stepped`` asks for; it gives the viewer the room when ``enlarge_toggled`` says so."""

    stepped = Signal(int)  # the index of the photo to show next
    enlarge_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.index, self.count = -1, 0
        self._ticket = 0  # the latest photo asked for: an earlier one that loads late is not shown over it
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
            # a long title widens no pane: it takes two lines instead
            title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            title.setWordWrap(True)
            grid.addWidget(title, 0, i)
            grid.addWidget(view, 1, i)
            grid.setColumnStretch(i, 1)
        self.grid = grid
        self._show_enrolled(False)
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
        self.previous_button, self.next_button = QPushButton("‹"), QPushButton("›")
        self.previous_button.setToolTip("The previous photo (left arrow key).")
        self.next_button.setToolTip("The next photo (right arrow key).")
        self.previous_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.position = QLabel()
        self.enlarge_button = QPushButton("Enlarge")
        self.enlarge_button.setCheckable(True)
        self.enlarge_button.setToolTip("Give the pictures all the room; press again to bring the rest back.")
        self.enlarge_button.toggled.connect(self._enlarge)
        for button, width in ((self.previous_button, 32), (self.next_button, 32), (fit, 56), (actual, 64)):
            button.setMaximumWidth(width)  # narrow: beside the tab's settings the viewer has little room
        controls = QHBoxLayout()
        controls.addWidget(self.previous_button)
        controls.addWidget(self.position)
        controls.addWidget(self.next_button)
        controls.addStretch(1)
        controls.addWidget(QLabel("Difference"))
        controls.addWidget(self.gain)
        controls.addWidget(fit)
        controls.addWidget(actual)
        controls.addWidget(self.enlarge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid, 1)
        layout.addWidget(self.metrics)
        layout.addLayout(controls)
        self._pair: tuple | None = None  # (original, cloaked) RGB arrays
        self.shown: tuple = ()
        self.set_position(-1, 0)

    def _synced(self) -> list[SyncedView]:
        return [*self.views, self.enrolled_view]

    # ---- stepping and enlarging -------------------------------------------------------------------
    def set_position(self, index: int, count: int) -> None:
        """Where the shown photo is in the host's list (``index`` of ``count``)."""
        self.index, self.count = index, count
        self.position.setText(f"{index + 1} of {count}" if 0 <= index < count else "")
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(0 <= index < count - 1)

    def step(self, delta: int) -> bool:
        wanted = self.index + delta
        if not 0 <= wanted < self.count or self.index < 0:
            return False
        self.stepped.emit(wanted)
        return True

    def step_key(self, event) -> bool:
        """Left and right arrows step through the photos; True when the key was one of them."""
        delta = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(event.key())
        held = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        if delta is None or event.modifiers() & held:
            return False
        self.step(delta)
        return True

    def keyPressEvent(self, event) -> None:
        if not self.step_key(event):
            super().keyPressEvent(event)

    def _enlarge(self, on: bool) -> None:
        self.enlarge_button.setText("Back to the list" if on else "Enlarge")
        self.enlarge_toggled.emit(on)

    @property
    def enlarged(self) -> bool:
        return self.enlarge_button.isChecked()

    # ---- showing -----------------------------------------------------------------------------
    def show_pair(self, original: Path, cloaked: Path, metrics_text: str,
                  as_enrolled: Callable[[], tuple | None] | None = None, cloak_title: str = "Cloaked") -> Task:
        """Load both photos off the GUI thread, then show them and their difference; ``as_enrolled`` (run
        there too) gives the photo as the selected condition enrols it and its words, or None."""
        self.metrics.setText(metrics_text)
        self._ticket += 1
        ticket = self._ticket

        def load(job):
            from core.images import load_rgb
            return load_rgb(original), load_rgb(cloaked), as_enrolled() if as_enrolled else None

        files = (Path(original), Path(cloaked))
        return run_task(self, load, f"showing {files[1].name}",
                        success=lambda loaded: self._show_loaded(loaded, ticket, cloak_title, files))

    def _show_loaded(self, loaded: tuple, ticket: int = 0, cloak_title: str = "Cloaked", files: tuple = ()) -> None:
        if ticket != self._ticket:
            return  # the user has stepped on since
        self.shown = files  # (original, cloak): the files on the first two panes
        self.titles[1].setText(cloak_title)
        *pair, enrolled = loaded
        self._pair = tuple(pair)
        self.views[0].show_pixmap(to_pixmap(pair[0]))
        self.views[1].show_pixmap(to_pixmap(pair[1]))
        self._show_enrolled(enrolled is not None)
        if enrolled is not None:
            rgb, words = enrolled
            self.enrolled_view.show_pixmap(to_pixmap(rgb))
            self.enrolled_title.setText(f"As enrolled: {words}")
            self.enrolled_title.setToolTip(f"The photo the study enrols under this condition ({rgb.shape[1]}×{rgb.shape[0]} px).")
        self._redraw_difference()
        if self.fitting:
            self.fit()

    def _show_enrolled(self, on: bool) -> None:
        self.enrolled_view.setVisible(on)
        self.enrolled_title.setVisible(on)
        self.grid.setColumnStretch(2, 1 if on else 0)  # hidden, it leaves no gap

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
