"""What-ifs in plain words: presets that add a modifier to the selected condition (an upload that shrinks and
re-compresses, photos that leaked uncloaked) and other people added to the gallery (a bigger crowd)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

PRESETS = {
    "uploaded to a social network (2048 px, JPEG 85)": "+resize:2048+jpeg:85",
    "uploaded to a social network (1080 px, JPEG 75)": "+resize:1080+jpeg:75",
    "3 of 5 photos cloaked (2 leaked)": "@3",
}
NO_DISTRACTORS = "only the study's own people"


class WhatIfPanel(QWidget):
    """Emits ``modifier_chosen`` with the modifier's spelling; keeps the distractor folder."""

    modifier_chosen = Signal(str)
    distractors_changed = Signal()

    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        self.presets = QComboBox()
        for words, modifier in PRESETS.items():
            self.presets.addItem(words, modifier)
        self.presets.setToolTip("Social networks shrink and re-compress uploads; some of your photos may already be "
                                "online uncloaked. Each what-if is one more condition, judged like the others.")
        add = QPushButton("Add to the selected condition")
        add.setToolTip("Adds the selected condition under this what-if as a new condition (the original stays). "
                       "Add it to 'none' too, so the clean photos go through the same upload.")
        add.clicked.connect(lambda: self.modifier_chosen.emit(self.presets.currentData()))
        self.gallery_label = QLabel(NO_DISTRACTORS)
        self.gallery_label.setWordWrap(True)
        self.gallery_label.setToolTip("Other people are enrolled with all their photos, clean, and never tested: "
                                      "the recognizer has more people to confuse yours with.")
        choose = QPushButton("Add other people to the gallery…")
        choose.setToolTip("A dataset folder of other people (none may share a name with the study's people).")
        choose.clicked.connect(self._choose)
        clear = QPushButton("None")
        clear.setToolTip("Enrol only the study's own people.")
        clear.clicked.connect(lambda: self.set_distractors(None))
        row = QHBoxLayout()
        row.addWidget(QLabel("What if"))
        row.addWidget(self.presets, 1)
        row.addWidget(add)
        gallery = QHBoxLayout()
        gallery.addWidget(QLabel("Gallery:"))
        gallery.addWidget(self.gallery_label, 1)
        gallery.addWidget(choose)
        gallery.addWidget(clear)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addLayout(gallery)
        saved = self.settings.value("study/distractors", "")
        self.distractors: Path | None = None
        self.set_distractors(Path(saved) if saved else None)

    def _choose(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of other people for the gallery",
                                                  str(self.settings.value("dirs/distractors", str(Path.home()))))
        if folder:
            self.settings.setValue("dirs/distractors", str(Path(folder).parent))
            self.set_distractors(Path(folder))

    def set_distractors(self, folder: Path | None) -> None:
        self.distractors = folder
        self.gallery_label.setText(f"the study's people and everyone in {folder}" if folder else NO_DISTRACTORS)
        self.settings.setValue("study/distractors", str(folder) if folder else "")
        self.distractors_changed.emit()
