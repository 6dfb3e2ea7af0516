"""One tracker's answer in "Check my own photos": its verdict as a title, then the sentences, on the verdict's colour."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout

from core.recognizers.spec import tracker_label

VERDICT_COLOURS = {"protected": "#d9f2d9", "partly protected": "#fdf1c7", "not protected": "#f8d7d7", "no answer": "#e6e6e6"}


class AnswerCard(QFrame):
    """One recognizer's answer: its verdict as a title, then the sentences, on the verdict's colour."""

    def __init__(self, answer, parent=None):
        super().__init__(parent)
        self.setObjectName("answerCard")
        self.answer = answer
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#answerCard {{ background: {VERDICT_COLOURS.get(answer.verdict, '#ffffff')}; border-radius: 6px; }}")
        layout = QVBoxLayout(self)
        self.title = QLabel(f"<b>{html.escape(tracker_label(answer.recognizer))}</b> — {answer.verdict}")
        self.body = QLabel(answer.text)
        self.body.setWordWrap(True)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
