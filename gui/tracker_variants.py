"""Beside each tracker on this computer, the other ways it could work, in plain words: another matcher ("dlib,
matching the nearest photo", "dlib, trained classifier"), a cleaning of every photo first ("dlib, cleaning every
photo with a median filter (3×3 px) first") or screening photos for cloaks. Each is a tracker of its own, asked
beside the others; the list comes from ``core.recognizers.spec`` (its matchers and cleaning steps), so a new one
appears here by itself."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QToolButton, QVBoxLayout, QWidget

from core.recognizers.cleaning import cleaning_for
from core.recognizers.spec import SCREENED, parse_tracker, variant_spellings


def _meaning(spelling: str) -> str:
    """What the variant does, for its tooltip."""
    spec = parse_tracker(spelling)
    parts = [spec.matcher.help_text] if spec.matcher else []
    if spec.screened:
        parts.append(f"/{SCREENED} (training photos a cloak detector flags are set aside before enrolling)")
    parts += [cleaning_for(step.prefix).help_text for step in spec.cleaning]
    return f"{spelling}: {'; '.join(parts)}."


class TrackerVariants(QWidget):
    """A fold-out list of one tracker's variants; ``boxes`` maps each spelling to its tick box."""

    def __init__(self, base: str, chosen: list[str]):
        super().__init__()
        self.setObjectName(f"variants-{base}")
        self.boxes: dict[str, QCheckBox] = {}
        self.toggle = QToolButton()
        self.toggle.setText(f"Other ways {base} could match, clean or screen photos")
        self.toggle.setCheckable(True)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip("Trackers that fight back: another way of matching a face to the enrolled people, or "
                               "a cleaning of every photo (enrolled and tested) meant to wash a cloak out.")
        inner = QWidget()
        rows = QVBoxLayout(inner)
        rows.setContentsMargins(24, 0, 0, 0)
        for spelling in variant_spellings(base):
            box = QCheckBox(parse_tracker(spelling).words)
            box.setToolTip(_meaning(spelling))
            box.setChecked(spelling in chosen)
            rows.addWidget(box)
            self.boxes[spelling] = box
        self.toggle.toggled.connect(inner.setVisible)
        self.toggle.toggled.connect(lambda shown: self.toggle.setArrowType(_arrow(shown)))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(inner)
        self.toggle.setChecked(any(box.isChecked() for box in self.boxes.values()))  # a chosen one is in sight
        inner.setVisible(self.toggle.isChecked())
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(_arrow(self.toggle.isChecked()))


def _arrow(shown: bool) -> Qt.ArrowType:
    return Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow
