"""The study's answer at the top of the Results tab: ``core.headline``'s sentences, one per condition ×
recognizer, in its order (black-box first, white-box last), each on the colour of its protection (red: nobody
protected, green: everyone), except white-box lines, drawn in grey: a cloak judged by the network it was made
against looks better than it is, and must not read as good news."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

WAITING = "The answer appears here when the study has run: one sentence per condition and recognizer."


class HeadlinePanel(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("headline")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 2, 0, 2)
        self.layout_.setSpacing(1)
        self.labels: list[QLabel] = []
        self.show_headlines([])

    def show_summary(self, summary: dict | None, config=None) -> None:
        """Sentences only for a judged summary (one with operating points): a study still running has none."""
        from core.headline import headlines

        judged = bool(summary) and any("operating_point" in e for e in summary.get("conditions", []))
        self.show_headlines(headlines(summary, getattr(config, "conditions", None), getattr(config, "recognizers", None))
                            if judged else [])

    def show_headlines(self, items: list) -> None:
        for label in self.labels:
            self.layout_.removeWidget(label)
            label.deleteLater()
        self.labels = []
        for item in items or [None]:
            label = QLabel(item.text if item else WAITING)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            if item:
                label.setStyleSheet(f"background: {item.colour}; color: {item.text_colour}; padding: 1px 6px; "
                                    "border-radius: 3px;")
                label.setToolTip(f"{item.condition} · {item.recognizer}: protected = not re-identified at the operating "
                                 "point; the interval is the 95% Wilson interval."
                                 + (" Greyed: the cloak was made against this very network, so this line overstates "
                                    "how well it protects; trust the black-box lines above." if item.flatters else ""))
            else:
                label.setStyleSheet("color: #666; padding: 3px 6px;")
            self.labels.append(label)
            self.layout_.addWidget(label)

    def sentences(self) -> list[str]:
        return [label.text() for label in self.labels if label.text() != WAITING]
