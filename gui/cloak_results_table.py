"""What cloaking did, photo by photo: the table of measurements (DSSIM, PSNR, largest change, feature shift) above the
viewer that shows the selected photo beside its cloak, and beside the photo as a what-if would enrol it. The
viewer's arrow keys step through the table's rows; "Enlarge" hides the table so the pictures get its room."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QHeaderView, QSplitter, QTableWidget, QTableWidgetItem

from .cloak_viewer import CloakViewer

REPORT_COLUMNS = ["Photo", "Faces", "DSSIM", "PSNR (dB)", "Largest change", "Feature shift", "Seconds", "Made", "Note"]


class CloakResultsTable(QSplitter):
    """``as_enrolled(report)`` gives the viewer its what-if picture maker (or None): it depends on the selected
    condition, which the tab knows. ``root``: the dataset the photos are named in (the window's when None)."""

    def __init__(self, window, as_enrolled, root: Path | None = None):
        super().__init__(Qt.Orientation.Vertical)
        self.window = window
        self.as_enrolled = as_enrolled
        self.root = root
        self.reports: list = []
        self.table = QTableWidget(0, len(REPORT_COLUMNS))
        self.table.setHorizontalHeaderLabels(REPORT_COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setToolTip("DSSIM: 0 means identical. PSNR: higher means less change. "
                              "Largest change: in grey levels out of 255. Feature shift: how far each network now "
                              "places the face from where it placed the original.")
        self.table.currentCellChanged.connect(lambda row, *_: self._view(row))
        self.table.installEventFilter(self)  # left and right step the viewer; up and down already move the row
        self.viewer = CloakViewer()
        self.viewer.stepped.connect(self.table.selectRow)
        self.viewer.enlarge_toggled.connect(lambda on: self.table.setVisible(not on))
        self.addWidget(self.table)
        self.addWidget(self.viewer)
        self.setSizes([220, 480])

    def eventFilter(self, watched, event) -> bool:
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            return self.viewer.step_key(event)
        return super().eventFilter(watched, event)

    def clear(self) -> None:
        self.reports = []
        self.table.setRowCount(0)
        self.viewer.set_position(-1, 0)

    def show_reports(self, reports: list) -> None:
        """One row per report; the tab says the summary and selects the first row."""
        self.clear()  # so that selecting the first row shows it, whatever row was selected before
        self.reports = list(reports)
        self.table.setRowCount(len(self.reports))
        for row, report in enumerate(self.reports):
            shift = ", ".join(f"{name} {value:.3f}" for name, value in (report.feature_shift or {}).items())
            faces = str(report.faces) if report.faces >= 0 else ""  # -1: not looked for
            cells = [self._photo_name(report.source), faces, _num(report.dssim, 4), _num(report.psnr, 1),
                     _num(report.max_change, 0), shift, _num(report.seconds, 1), report.variant or "another tool",
                     report.problem or "; ".join(x for x in (report.note, "reused from the cache" if report.cached else "",
                                                             f"DSSIM on the {report.view}" if report.view else "") if x)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (1, 2, 3, 4, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)

    def _photo_name(self, photo) -> str:
        """The photo's path in the dataset: two people may both have a 1.jpg."""
        root = self.root or (self.window.dataset.root if self.window.dataset is not None else None)
        photo = Path(photo)
        return photo.relative_to(root).as_posix() if root is not None and photo.is_relative_to(root) else photo.name

    def _view(self, row: int) -> None:
        if not 0 <= row < len(self.reports):
            return
        report = self.reports[row]
        self.viewer.set_position(row, len(self.reports))
        name = self._photo_name(report.source)
        if not report.output:
            self.viewer.metrics.setText(f"{name}: {report.problem or 'not cloaked'}")
            return
        if Path(report.output) == Path(report.source):  # the clean photo, under "none"
            text, title = f"<b>{name}</b> · {report.note or 'no cloak'}", "Enrolled (clean)"
        else:
            measured = ("not measured" if report.dssim != report.dssim else  # NaN
                        f"DSSIM {_num(report.dssim, 4)} · PSNR {_num(report.psnr, 1)} dB · "
                        f"largest change {_num(report.max_change, 0)} of 255")
            text, title = f"<b>{name}</b> · {measured}" + (f" · faces {report.faces}" if report.faces >= 0 else ""), "Cloaked"
        self.viewer.show_pair(Path(report.source), Path(report.output), text, self.as_enrolled(report), title)


def _num(value, digits: int) -> str:
    return "" if value is None or value != value else f"{value:.{digits}f}"  # value != value: NaN
