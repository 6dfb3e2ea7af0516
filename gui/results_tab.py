"""Results tab: the live confidence histogram beside the re-identification curve, the table per test photo, the
summary and the transfer matrix; a false-match-rate choice re-states a study from its files without running it."""
from __future__ import annotations

import io
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSplitter, QTableView, QTabWidget, QVBoxLayout, QWidget)

from .errors import show_error
from .headline_panel import HeadlinePanel
from .result_rows import ALL, COLUMNS, RowFilter, RowModel
from .summary_table import SummaryTable
from .worker import ProgressPanel, Task, run_task

__all__ = ["COLUMNS", "ResultsTab", "ask_about_other_study"]  # COLUMNS: tests import it from here (gui/result_rows.py)
REDRAW_MS = 400  # the histogram is redrawn at most this often while rows arrive


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
        self.curve_figure = None
        self.curve_canvas = None
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
        from core.fmr import DEFAULT_FMR, FMR_CHOICES, fmr_label, fmr_words

        self.fmr_choice = QComboBox()
        self.fmr_choice.setObjectName("resultsFmr")
        for value in FMR_CHOICES:
            self.fmr_choice.addItem(f"{fmr_label(value)}: {fmr_words(value)}", value)
        self.fmr_choice.setCurrentIndex(max(self.fmr_choice.findData(DEFAULT_FMR), 0))
        self.fmr_choice.setToolTip("How strict every recognizer is: its threshold lets a stranger pass for a given person "
                                   "this often on the clean photos. Changing it re-states the study from its files; "
                                   "nothing is run again.")
        self.fmr_choice.currentIndexChanged.connect(lambda: self.show_at_fmr(self.fmr_choice.currentData()))
        top = QHBoxLayout()
        top.addWidget(run_button)
        top.addWidget(self.resume_button)
        top.addWidget(self.study_label, 1)
        top.addWidget(QLabel("Strictness"))
        top.addWidget(self.fmr_choice)
        self.progress = ProgressPanel()

        self.histogram_box = QVBoxLayout()
        self.histogram_box.setContentsMargins(0, 0, 0, 0)
        histogram_holder = QSplitter()  # the histogram, and the curve beside it
        histogram_side = QWidget()
        histogram_side.setLayout(self.histogram_box)
        self.curve_box = QVBoxLayout()
        self.curve_box.setContentsMargins(0, 0, 0, 0)
        curve_side = QWidget()
        curve_side.setLayout(self.curve_box)
        histogram_holder.addWidget(histogram_side)
        histogram_holder.addWidget(curve_side)
        histogram_holder.setMinimumHeight(260)
        self.summary_table = SummaryTable()
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
        self.table.setToolTip("Click a column title to sort; type in the filter to find a person, file or outcome; "
                              "double-click a row to see the cloaks behind it.")
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
        self.look_button = QPushButton("Look at this person's cloaks")
        self.look_button.setToolTip("The selected row's person: their training photos under its condition, beside "
                                    "their cloaks, in a window of their own (or double-click the row).")
        self.look_button.clicked.connect(lambda: self.look_at_row(self.table.currentIndex()))
        self.table.doubleClicked.connect(self.look_at_row)
        look = QAction("Look at this person's cloaks", self.table)
        look.triggered.connect(lambda: self.look_at_row(self.table.currentIndex()))
        self.table.addAction(look)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        filters = QHBoxLayout()
        filters.addWidget(self.text_filter, 2)
        filters.addWidget(QLabel("Outcome"))
        filters.addWidget(self.outcome_filter, 1)
        filters.addWidget(QLabel("Condition"))
        filters.addWidget(self.condition_filter, 1)
        looking = QHBoxLayout()
        hint = QLabel("Double-click a row to see the cloaks behind it: its person's training photos under its condition.")
        hint.setWordWrap(True)
        looking.addWidget(hint, 1)
        looking.addWidget(self.look_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(filters)
        right_layout.addWidget(self.table)
        right_layout.addLayout(looking)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([820, 560])  # the histogram and the curve side by side need the room
        self.headline = HeadlinePanel()  # the answer in sentences, above everything else
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.headline)
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

        self._select_fmr(getattr(config, "fmr", None))

        def study(job):  # runs in the worker; each finished row comes to the window as it is written
            from core.repeats import run_repeated
            return run_repeated(config, job, on_row=job.publish, restart=restart)

        self.window.settings.setValue("study/last", str(self.study_dir))
        return run_task(self, study, "running the study", partial=self._row_arrived, success=self._finished,
                        cancelled=lambda: self._stopped("Cancelled"), failure=self._failed, panel=self.progress)

    def resume(self) -> None:
        if self.config is not None:  # through the window, which asks first if photos would leave the computer
            self.window.start_study(self.config, resume_rows=self.rows)

    def _row_arrived(self, row) -> None:
        self.model.append(row)
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _finished(self, summary: dict) -> None:
        from core.results import read_rows

        self.summary = summary
        self._redraw_timer.stop()
        self.model.set_rows(read_rows(self.study_dir / "results.csv"), Path(self.config.dataset))  # judged at the operating point
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
        self._select_fmr((study.summary or {}).get("fmr", getattr(study.config, "fmr", None)))
        self.redraw()

    def look_at_row(self, index) -> Task | None:
        """The cloaks behind a row: its person's training photos under its condition (gui/person_cloaks.py)."""
        from .person_cloaks import look_at_row

        return look_at_row(self, index)

    # ---- the operating point ---------------------------------------------------------------------
    def _select_fmr(self, fmr) -> None:
        index = self.fmr_choice.findData(fmr) if fmr is not None else -1
        if index >= 0:
            self.fmr_choice.blockSignals(True)
            self.fmr_choice.setCurrentIndex(index)
            self.fmr_choice.blockSignals(False)

    def show_at_fmr(self, fmr: float) -> bool:
        """Re-state the study shown at another false-match rate, from results.csv and scores.csv alone."""
        from core.calibration import own_thresholds
        from core.metrics.build import restate
        from core.metrics.scores import SCORES_FILE
        from core.results import read_rows

        why = ("The strictness can be changed when the study has finished." if self.progress.busy else
               "Run a study first." if self.study_dir is None else
               "This study folder has no scores.csv (made by an older version): run the study again to choose another "
               "strictness." if not (self.study_dir / SCORES_FILE).exists() else "")
        if why:
            self._select_fmr((self.summary or {}).get("fmr", getattr(self.config, "fmr", None)))  # what is shown
            self.window.statusBar().showMessage(why)
            return False
        self._select_fmr(fmr)
        rows = read_rows(self.study_dir / "results.csv")
        judged, self.summary = restate(rows, self.summary, self.study_dir / SCORES_FILE, fmr, own_thresholds(self.config))
        self.model.set_rows(judged, self.model.root)
        self.redraw()
        return True

    # ---- drawing ---------------------------------------------------------------------------------
    def _ensure_canvas(self) -> None:
        if self.canvas is not None:
            return
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(6, 4), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setToolTip("How sure the recognizer was about each test photo, one colour per condition. Solid: the "
                               "best candidate is the right person; cross-hatched: somebody else. Dashed lines: each "
                               "recognizer's threshold. Hatched bars at the right: photos with no result (no face).")
        self.histogram_box.addWidget(self.canvas)
        self.curve_figure = Figure(figsize=(5, 4), dpi=100)
        self.curve_canvas = FigureCanvasQTAgg(self.curve_figure)
        self.curve_canvas.setToolTip("People re-identified at each strictness: left, a stranger rarely passes; right "
                                     "(100%), no threshold at all: the best guess is right (rank-1).")
        self.curve_box.addWidget(self.curve_canvas)

    def redraw(self) -> None:
        from core.figures import draw_confidence_histogram, draw_reidentification_curve, threshold_marks
        from core.metrics.build import summarize

        self._ensure_canvas()
        draw_confidence_histogram(self.figure, self.rows, threshold_marks(self.summary) if self.summary else None)
        self.canvas.draw_idle()
        summary = self.summary if self.summary is not None else summarize(self.rows)
        draw_reidentification_curve(self.curve_figure, summary)
        self.curve_canvas.draw_idle()
        self._show_summary(summary)
        self.headline.show_summary(self.summary, self.config)
        self._fill_filter_choices()
        self.table.resizeColumnsToContents()

    def _show_summary(self, summary: dict) -> None:
        entries = summary.get("conditions", [])
        self.summary_table.show_summary(summary)
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
        from core.atomic import write_bytes_atomic

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
