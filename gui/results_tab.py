"""Results tab: the live confidence histogram, the table per test photo, the summary and the transfer matrix."""
from __future__ import annotations

import io
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSplitter, QTableView, QTableWidget, QTableWidgetItem, QTabWidget,
                               QVBoxLayout,
                               QWidget)

from .errors import show_error
from .worker import ProgressPanel, Task, run_task

COLUMNS = ["Photo", "Person", "Predicted", "Outcome", "Confidence", "Condition", "Recognizer", "Judged", "File"]
FIELDS = [None, "person", "predicted", "outcome", "confidence", "condition", "recognizer", "judged", "file"]
SUMMARY_COLUMNS = ["Condition", "Recognizer", "Judged", "People", "Re-identified", "Protection rate",
                   "Confidence min · median · max", "Set aside"]
REDRAW_MS = 400  # the histogram is redrawn at most this often while rows arrive
ALL = "(all)"


class RowModel(QAbstractTableModel):
    """One line per test photo and condition; the photo's thumbnail comes from the shared cache."""

    def __init__(self, thumbnails, parent=None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.rows: list = []  # core.results.ResultRow
        self.root: Path | None = None
        self._rows_of_path: dict[str, list[int]] = {}
        thumbnails.ready.connect(self._thumbnail_ready)

    def set_rows(self, rows: list, root: Path | None) -> None:
        self.beginResetModel()
        self.rows, self.root = list(rows), root
        self._rows_of_path = {}
        for i, row in enumerate(self.rows):
            self._index_row(i, row)
        self.endResetModel()

    def _index_row(self, i: int, row) -> None:
        if self.root is not None:
            self._rows_of_path.setdefault(str(self.root / row.file), []).append(i)

    def append(self, row) -> None:
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(row)
        self._index_row(len(self.rows) - 1, row)
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row, field = self.rows[index.row()], FIELDS[index.column()]
        if field is None:
            if role == Qt.ItemDataRole.DecorationRole and self.root is not None:
                return self.thumbnails.get(self.root / row.file)
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.file
            return None
        value = getattr(row, field)
        if role == Qt.ItemDataRole.DisplayRole:
            if field == "confidence":
                return "" if value is None else f"{value:.3f}"
            return value
        if role == Qt.ItemDataRole.UserRole:  # what sorting compares
            return -1.0 if field == "confidence" and value is None else value
        if role == Qt.ItemDataRole.ToolTipRole and field == "outcome":
            return row.reason or value
        if role == Qt.ItemDataRole.ToolTipRole and field == "judged":
            return {"white-box": "Judged by a network the cloak was made against: overstates protection.",
                    "black-box": "Judged by a network the cloak was not made against.",
                    "clean": "No cloak."}.get(value, value)
        if role == Qt.ItemDataRole.TextAlignmentRole and field == "confidence":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _thumbnail_ready(self, path: str) -> None:
        for i in self._rows_of_path.get(path, []):
            index = self.index(i, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class RowFilter(QSortFilterProxyModel):
    """Free text over every column, plus exact outcome and condition choices."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.outcome = ALL
        self.condition = ALL
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def set_choices(self, outcome: str, condition: str) -> None:
        self.outcome, self.condition = outcome, condition
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row, source_parent) -> bool:
        row = self.sourceModel().rows[source_row]
        if self.outcome != ALL and row.outcome != self.outcome:
            return False
        if self.condition != ALL and row.condition != self.condition:
            return False
        return super().filterAcceptsRow(source_row, source_parent)


class ResultsTab(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.settings = window.settings
        self.study_dir: Path | None = None
        self.config = None
        self.summary: dict | None = None
        self.figure = None  # matplotlib, created on first use so the window opens fast
        self.canvas = None
        self.matrix_canvas = None

        run_button = QPushButton("Run the study")
        run_button.setToolTip("Enrol the training photos of every ticked condition, identify the test photos (Ctrl+R).")
        run_button.clicked.connect(lambda: self.window.run_study())
        self.resume_button = QPushButton("Finish the interrupted study")
        self.resume_button.setToolTip("Continue in the same folder: finished test photos are not done again.")
        self.resume_button.setEnabled(False)
        self.resume_button.clicked.connect(self.resume)
        self.study_label = QLabel("No study yet.")
        self.study_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(run_button)
        top.addWidget(self.resume_button)
        top.addWidget(self.study_label, 1)
        self.progress = ProgressPanel()

        self.histogram_box = QVBoxLayout()
        self.histogram_box.setContentsMargins(0, 0, 0, 0)
        histogram_holder = QWidget()
        histogram_holder.setLayout(self.histogram_box)
        histogram_holder.setMinimumHeight(260)
        self.summary_table = QTableWidget(0, len(SUMMARY_COLUMNS))
        self.summary_table.setHorizontalHeaderLabels(SUMMARY_COLUMNS)
        self.summary_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.summary_table.horizontalHeader().setStretchLastSection(True)
        self.summary_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.summary_table.setToolTip("Protection rate: people not re-identified ÷ people. White-box: judged by a network "
                                      "the cloak was made against (overstates protection); black-box: by another one.")
        self.summary_table.verticalHeader().setVisible(False)
        self.matrix_holder = QWidget()
        self.matrix_box = QVBoxLayout(self.matrix_holder)
        self.matrix_box.setContentsMargins(0, 0, 0, 0)
        self.below = QTabWidget()
        self.below.addTab(self.summary_table, "Summary per condition")
        self.below.addTab(self.matrix_holder, "Transfer matrix")
        self.below.setTabToolTip(1, "Every condition against every recognizer; shown when the study has several.")
        self.below.setTabEnabled(1, False)
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(histogram_holder)
        left.addWidget(self.below)
        left.setSizes([430, 250])

        self.model = RowModel(window.small_thumbnails, self)
        self.filter = RowFilter(self)
        self.filter.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.filter)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # arrival order until the user sorts
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setIconSize(QSize(40, 40))
        self.table.verticalHeader().setDefaultSectionSize(34)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setToolTip("Click a column title to sort; type in the filter to find a person, file or outcome.")
        self.text_filter = QLineEdit()
        self.text_filter.setPlaceholderText("Filter: person, file, predicted…")
        self.text_filter.setClearButtonEnabled(True)
        self.text_filter.textChanged.connect(self.filter.setFilterFixedString)
        self.outcome_filter = QComboBox()
        self.outcome_filter.setToolTip("Show only one outcome.")
        self.condition_filter = QComboBox()
        self.condition_filter.setToolTip("Show only one condition.")
        self._fill_filter_choices()
        for box in (self.outcome_filter, self.condition_filter):
            box.currentIndexChanged.connect(self._apply_choices)
        filters = QHBoxLayout()
        filters.addWidget(self.text_filter, 2)
        filters.addWidget(QLabel("Outcome"))
        filters.addWidget(self.outcome_filter, 1)
        filters.addWidget(QLabel("Condition"))
        filters.addWidget(self.condition_filter, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(filters)
        right_layout.addWidget(self.table)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress)

        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.canvas is None:  # the empty axes say what will appear here
            self.redraw()

    @property
    def rows(self) -> list:
        return self.model.rows

    # ---- running ---------------------------------------------------------------------------------
    def run(self, config, resume_rows: list | None = None, restart: bool = False) -> Task | None:
        if self.progress.busy:
            self.window.statusBar().showMessage("A study is already running: wait for it, or cancel it first.")
            return None
        self.config, self.study_dir, self.summary = config, Path(config.out), None
        self.model.set_rows(resume_rows or [], Path(config.dataset))
        self.study_label.setText(f"Study folder: {self.study_dir}")
        self.resume_button.setEnabled(False)
        self.redraw()

        def study(job):  # runs in the worker; each finished row comes to the window as it is written
            from core.study import run_study
            return run_study(config, job, on_row=job.publish, restart=restart)

        self.window.settings.setValue("study/last", str(self.study_dir))
        return run_task(self, study, "running the study", partial=self._row_arrived, success=self._finished,
                        cancelled=lambda: self._stopped("Cancelled"), failure=self._failed, panel=self.progress)

    def resume(self) -> None:
        if self.config is not None:
            self.run(self.config, resume_rows=self.rows)

    def _row_arrived(self, row) -> None:
        self.model.append(row)
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _finished(self, summary: dict) -> None:
        self.summary = summary
        self._redraw_timer.stop()
        self.redraw()
        self.study_label.setText(f"Study finished: {len(self.rows)} results in {self.study_dir}")

    def _stopped(self, why: str) -> None:
        self._redraw_timer.stop()
        self.redraw()
        self.resume_button.setEnabled(True)
        self.study_label.setText(f"{why}: {len(self.rows)} results kept in {self.study_dir}")

    def _failed(self, exc: BaseException) -> None:
        from core.study_folder import DifferentStudy

        self._stopped("Stopped by an error")
        if isinstance(exc, DifferentStudy):
            self.different_study_dialog = ask_about_other_study(self, exc, self.config)
            return
        show_error(self, "running the study", exc, "The results finished so far are kept; fix the cause, then "
                   "press Finish the interrupted study.")

    def show_study(self, study) -> None:
        """A study read back from its folder, shown exactly as it was saved."""
        self.config, self.study_dir, self.summary = study.config, Path(study.config.out), study.summary
        self.model.set_rows(study.rows, Path(study.config.dataset))
        state = "finished" if study.finished else "interrupted"
        self.study_label.setText(f"Study ({state}): {len(study.rows)} results in {self.study_dir}")
        self.resume_button.setEnabled(not study.finished)
        self.redraw()

    # ---- drawing ---------------------------------------------------------------------------------
    def _ensure_canvas(self) -> None:
        if self.canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(6, 4), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setToolTip("How sure the recognizer was about each test photo, one colour per condition. "
                               "Hatched bars at the right: photos with no result (no face, nothing above threshold).")
        self.histogram_box.addWidget(self.canvas)

    def redraw(self) -> None:
        from core.figures import draw_confidence_histogram
        from core.results import summarize

        self._ensure_canvas()
        draw_confidence_histogram(self.figure, self.rows, self._threshold())
        self.canvas.draw_idle()
        summary = self.summary if self.summary is not None else summarize(self.rows)
        self._show_summary(summary)
        self._fill_filter_choices()
        self.table.resizeColumnsToContents()

    def _threshold(self) -> float:
        """The study's identification threshold (the same for every recognizer the window sets up)."""
        options = getattr(self.config, "recognizer_options", None) or {}
        thresholds = [o["threshold"] for o in options.values() if "threshold" in o]
        return thresholds[0] if thresholds else 0.5

    def _show_summary(self, summary: dict) -> None:
        entries = summary.get("conditions", [])
        self.summary_table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            c = e.get("confidence") or {}
            confidence = " · ".join("–" if c.get(k) is None else f"{c[k]:.2f}" for k in ("min", "median", "max"))
            set_aside = "; ".join(f"{p}: {why}" for p, why in (e.get("set_aside") or {}).items())
            if not e["people"]:  # asked for, but nobody could be judged: say why instead of a rate
                set_aside = e.get("nobody_judged") or "nobody could be judged"
            rate = "–" if e.get("protection_rate") is None else f"{e['protection_rate']:.0%}"
            gallery = f" (gallery {e['gallery']})" if e.get("gallery") not in (None, e["people"]) else ""  # distractors
            cells = [e["name"], e["recognizer"], e.get("judged", ""), f"{e['people']}{gallery}",
                     f"{e['reidentified']} of {e['people']}", rate, confidence, set_aside]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.summary_table.setItem(i, j, item)
        several = len({e["recognizer"] for e in entries}) > 1
        self.below.setTabEnabled(1, several)
        if several:
            self._show_matrix(summary)

    def _show_matrix(self, summary: dict) -> None:
        from core.figures import transfer_matrix
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        if self.matrix_canvas is not None:
            self.matrix_box.removeWidget(self.matrix_canvas)
            self.matrix_canvas.deleteLater()
        self.matrix_canvas = FigureCanvasQTAgg(transfer_matrix(summary))
        self.matrix_canvas.setToolTip("Each cell: people re-identified of people, and whether the cloak was judged "
                                      "by a network it was made against (white-box) or not (black-box).")
        self.matrix_box.addWidget(self.matrix_canvas)

    def _fill_filter_choices(self) -> None:
        from core.results import OUTCOMES

        for box, choices in ((self.outcome_filter, OUTCOMES),
                             (self.condition_filter, list(dict.fromkeys(r.condition for r in self.rows)))):
            wanted = box.currentText() or ALL
            if [box.itemText(i) for i in range(box.count())] == [ALL, *choices]:
                continue
            box.blockSignals(True)
            box.clear()
            box.addItems([ALL, *choices])
            box.setCurrentIndex(max(box.findText(wanted), 0))
            box.blockSignals(False)

    def _apply_choices(self) -> None:
        self.filter.set_choices(self.outcome_filter.currentText(), self.condition_filter.currentText())

    def export_histogram(self, path: Path) -> None:
        from core.images import write_bytes_atomic

        fmt = path.suffix.lower().lstrip(".")
        if fmt not in ("png", "svg", "pdf"):
            raise ValueError(f"{path.name}: choose a file name ending in .png or .svg.")
        self._ensure_canvas()
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format=fmt, dpi=150)
        write_bytes_atomic(path, buffer.getvalue())

    def save_settings(self) -> None:
        pass  # the study folder is remembered when a study starts


def ask_about_other_study(tab: ResultsTab, exc, config) -> QMessageBox:
    """The folder holds another study: run in another folder, or start this one afresh; never mix the two."""
    box = QMessageBox(QMessageBox.Icon.Question, "Fawkes Tracker", f"The folder {exc.folder.name} holds a different study.",
                      QMessageBox.StandardButton.Cancel, tab)
    box.setObjectName("differentStudyDialog")
    box.setInformativeText("What differs: " + "; ".join(exc.differences) + ".\n\nRun this study in another folder, "
                           "or start this folder afresh (the results already in it are deleted).")
    other = box.addButton("Another folder…", QMessageBox.ButtonRole.AcceptRole)
    afresh = box.addButton("Start afresh", QMessageBox.ButtonRole.DestructiveRole)

    def chosen(button) -> None:
        if button is afresh:
            tab.run(config, restart=True)
        elif button is other:
            folder = QFileDialog.getExistingDirectory(tab, "Choose an empty folder for the study", str(exc.folder.parent))
            if folder:
                config.out = Path(folder)
                tab.run(config)

    box.buttonClicked.connect(chosen)
    box.open()
    return box
