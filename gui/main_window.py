"""The main window: four tabs, the menus, the settings remembered between launches, the study's lifecycle."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QTabWidget

from .names import APP_NAME, REPO, SAMPLE
from .cloaking_tab import CloakingTab
from .dataset_tab import DatasetTab
from .errors import log, show_error
from .recognition_tab import RecognitionTab
from .results_tab import ResultsTab
from .thumbnails import ThumbnailCache
from .worker import Task, run_task


WARM_UP_AFTER_MS = 300
WARM_UP_MODULES = ("core.datasets", "core.split", "core.study", "matplotlib.backends.backend_qtagg",
                   "core.cloaking.engine")


def load_libraries(job) -> None:
    """Imports and dlib's face models: C code that holds Python's lock while it loads, so do it early."""
    import importlib

    for module in WARM_UP_MODULES:
        importlib.import_module(module)
    import numpy as np

    from core.faces import detect_faces
    detect_faces(np.zeros((32, 32, 3), np.uint8))  # loads the detector and the landmark model


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings, data_dir: Path):
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.settings = settings
        self.data_dir = data_dir
        self.thumbnails = ThumbnailCache(96, parent=self)
        self.small_thumbnails = ThumbnailCache(40, parent=self)
        self.dataset = None
        self.split = None

        self.tabs = QTabWidget()
        self.dataset_tab = DatasetTab(self)
        self.cloaking_tab = CloakingTab(self)
        self.recognition_tab = RecognitionTab(self)
        self.results_tab = ResultsTab(self)
        for tab, name in ((self.dataset_tab, "&Dataset"), (self.cloaking_tab, "&Cloaking"),
                          (self.recognition_tab, "&Recognition"), (self.results_tab, "R&esults")):
            self.tabs.addTab(tab, name)
        self.setCentralWidget(self.tabs)
        self.dataset_tab.split_changed.connect(self._on_split)
        # a face network added on the Recognition tab can be a cloak's target at once
        self.recognition_tab.network_added.connect(self.cloaking_tab.settings_panel.add_extractor)
        # strangers held out as 0.3.1 targets are part of the split: the Dataset tab shows them, cloaking uses them
        self.cloaking_tab.strangers.valueChanged.connect(self.dataset_tab.set_strangers)
        self.dataset_tab.set_strangers(self.cloaking_tab.strangers.value())
        self._build_menus()
        self.statusBar().showMessage("Open a folder of face photos, or use the bundled sample.")

        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)
        self.tabs.setCurrentIndex(int(settings.value("window/tab", 0)))
        self._warm_up_timer = QTimer(self, singleShot=True, interval=WARM_UP_AFTER_MS, timeout=self._warm_up)
        self._warm_up_timer.start()

    def _warm_up(self) -> None:
        """Load the heavy libraries in the background once the window is up, so no click waits for them."""
        self.cloaking_tab.describe_mode()
        self.recognition_tab.show_keyring_state()
        self.warm_up = run_task(self, load_libraries, "loading the libraries")

    # ---- menus -------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        def action(menu, text, slot, shortcut, tip=""):
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setStatusTip(tip)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            menu.addAction(act)
            return act

        file = self.menuBar().addMenu("&File")
        self.open_dataset_action = action(file, "&Open dataset…", self.dataset_tab.choose_folder, "Ctrl+O",
                                          "Open a folder of face photos (IMM names, one folder per person, or a CSV).")
        action(file, "Open the &bundled sample", lambda: self.dataset_tab.open_folder(SAMPLE), "Ctrl+B",
               "Thirty IMM photos of five people that come with the app.")
        self.download_action = action(file, "&Download the full IMM database…", self.dataset_tab.download_imm, "Ctrl+D",
                                      "240 photos of 40 people from the publisher (DTU); about 50 MB.")
        file.addSeparator()
        action(file, "Open st&udy…", self.choose_study, "Ctrl+Shift+O", "Open a study folder to look at it or finish it.")
        self.save_study_action = action(file, "&Save study as…", self.save_study, "Ctrl+S",
                                        "Copy the current study folder (results, split, manifest, histogram) somewhere.")
        self.save_csv_action = action(file, "Save results as &CSV…", self.save_csv, "Ctrl+E", "One row per test photo.")
        action(file, "Export histogram as &PNG…", lambda: self.export_histogram("png"), "Ctrl+Shift+P")
        action(file, "Export histogram as S&VG…", lambda: self.export_histogram("svg"), "Ctrl+Shift+V")
        self.export_report_action = action(file, "Export &report (PDF)…", self.export_report, "Ctrl+Shift+R",
                                           "A PDF to share: the answer in sentences, the table, the figures, example "
                                           "cloaks and how the study was made.")
        file.addSeparator()
        action(file, "&Quit", self.close, "Ctrl+Q")

        study = self.menuBar().addMenu("&Study")
        self.cloak_action = action(study, "&Cloak the training photos", self.cloaking_tab.run_cloaking, "Ctrl+K",
                                   "Cloak the split's training photos with the chosen version and mode, to look at them.")
        self.run_action = action(study, "&Run the study", self.run_study, "Ctrl+R",
                                 "Enrol the training photos of every condition, identify the test photos, report.")
        action(study, "Check my own &photos…", self.check_my_photos, "Ctrl+Shift+M",
               "Am I protected? Cloak your own photos and see whether face recognizers still pick you out.")
        action(study, "C&ancel what is running", Task.cancel_all, "Esc", "Stop after the current step; finished work is kept.")

        view = self.menuBar().addMenu("&View")
        for i in range(self.tabs.count()):
            action(view, self.tabs.tabText(i).replace("&", ""), lambda _=False, i=i: self.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")

        help_menu = self.menuBar().addMenu("&Help")
        action(help_menu, "&About Fawkes Tracker", self.show_about, "F1", "What the numbers mean, white-box and black-box, citations.")
        action(help_menu, "Open the &log file", self.open_log, "Ctrl+L", "Full details of every problem the app met.")

    # ---- dataset -----------------------------------------------------------------------------
    def open_start_dataset(self) -> None:
        """The bundled sample on first launch, the last dataset afterwards."""
        last = self.settings.value("dataset/last")
        self.dataset_tab.open_folder(Path(last) if last and Path(last).exists() else SAMPLE)

    def _on_split(self, dataset, split) -> None:
        self.dataset, self.split = dataset, split
        self.cloaking_tab.dataset_changed()
        self.statusBar().showMessage(
            f"{dataset.root.name}: {len(split.people)} people in the study, "
            f"{split.training_photos} training and {split.test_photos} test photos.")

    # ---- study -------------------------------------------------------------------------------
    def study_config(self, out: Path | None = None):
        from core.study import StudyConfig

        rule, seed = self.dataset_tab.rule()
        return StudyConfig(
            dataset=self.dataset.root, out=out or self.data_dir / "studies" / time.strftime("%Y-%m-%d_%H-%M-%S"),
            split=rule, seed=seed, recognizers=self.recognition_tab.recognizers(),
            conditions=self.cloaking_tab.conditions(), recognizer_options=self.recognition_tab.recognizer_options(),
            cloak_options=self.cloaking_tab.cloak_options(), distractors=self.cloaking_tab.what_if.distractors,
            fmr=self.recognition_tab.chosen_fmr(), repeat=self.recognition_tab.repeat.value())

    def run_study(self) -> None:
        if self.dataset is None:
            QMessageBox.information(self, APP_NAME, "Open a dataset first (File › Open dataset…).")
            return
        if not self.recognition_tab.recognizers():
            QMessageBox.information(self, APP_NAME, "Choose at least one recognizer on the Recognition tab.")
            return
        self.start_study(self.study_config())

    def start_study(self, config, resume_rows: list | None = None) -> None:
        """Every way a study starts or is finished goes through here, so that a study with an online tracker asks
        before photos leave the computer, a resumed one too (its split is the one saved in its folder)."""
        from .network_check import added_networks, check_networks_then
        from .privacy_question import ask_before_sending, study_counts

        def start() -> None:
            self.tabs.setCurrentWidget(self.results_tab)
            self.results_tab.run(config, resume_rows=resume_rows)

        # a resumed study counts with its own split: None has core.online_plan read it from the folder (or make it)
        split = self.split if resume_rows is None else None
        if resume_rows is not None:
            for name in config.recognizers:  # its file never holds a secret: one typed on the panel serves this run
                typed = self.recognition_tab.typed_secrets(name)
                config.recognizer_options[name] = config.recognizer_options.get(name, {}) | typed

        def ask() -> None:  # an online tracker: the question naming the company and the plan; nothing sent without Yes
            self.privacy_task = ask_before_sending(self, config.recognizers, config.recognizer_options,
                                                   study_counts(split, config), start)

        # a face network the user added: first its sanity check on the study's clean photos (the Results tab shows it)
        if added_networks(config):
            self.tabs.setCurrentWidget(self.results_tab)
        self.network_task = check_networks_then(self, config, resume_rows is not None, ask,
                                                panel=self.results_tab.progress)

    def check_my_photos(self):
        """The "Am I protected?" dialog (one at a time; it keeps its answer until closed)."""
        from .self_check_dialog import SelfCheckDialog

        dialog = getattr(self, "self_check_dialog", None)
        if dialog is None or not dialog.isVisible():
            dialog = self.self_check_dialog = SelfCheckDialog(self)
        dialog.show()
        dialog.raise_()
        return dialog

    def choose_study(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a study folder", self._last_dir("study"))
        if folder:
            self.open_study(Path(folder))

    def open_study(self, folder: Path) -> None:
        """Show a saved study exactly as it was; offer to finish it when it was interrupted."""
        from core.study_folder import load_study

        try:
            study = load_study(folder)
        except Exception as exc:
            show_error(self, f"opening the study {folder}", exc, "Choose a folder made by Run the study or Save study as….")
            return
        self.settings.setValue("dirs/study", str(folder))
        study.config.out = folder
        # its target pool first: strangers held out are part of the split the Dataset tab shows
        self.cloaking_tab.settings_panel.set_target_pool(study.config.cloak_options.get("target_pool"))
        if study.config.dataset.exists():
            self.dataset_tab.set_rule(study.config.split, study.config.seed)
            self.dataset_tab.open_folder(study.config.dataset)
        self.cloaking_tab.set_conditions(study.config.conditions)
        self.cloaking_tab.what_if.set_distractors(study.config.distractors)
        self.recognition_tab.set_recognizers(study.config.recognizers)
        self.recognition_tab.set_fmr(study.config.fmr)
        self.results_tab.show_study(study)
        self.tabs.setCurrentWidget(self.results_tab)
        from .network_check import warn_if_networks_changed

        self.network_task = warn_if_networks_changed(self, folder)
        if not study.finished:
            box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                              f"The study in {folder.name} was interrupted ({len(study.rows)} test results kept). Finish it now?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
            box.setObjectName("resumeDialog")
            box.accepted.connect(lambda: self.start_study(study.config, resume_rows=study.rows))
            box.open()

    def save_study(self) -> None:
        source = self.results_tab.study_dir
        if source is None or not source.exists():
            QMessageBox.information(self, APP_NAME, "There is no study to save yet: run one first (Study › Run the study).")
            return
        target = QFileDialog.getExistingDirectory(self, "Choose where to put the study folder", self._last_dir("study"))
        if target:
            self.save_study_to(Path(target) / source.name)

    def save_study_to(self, target: Path) -> None:
        source = self.results_tab.study_dir
        staging = target.with_name(f".{target.name}.copying")
        try:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.copytree(source, staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)  # the copy appears whole or not at all
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            show_error(self, f"saving the study to {target}", exc, "Choose a folder you can write to.")
            return
        self.settings.setValue("dirs/study", str(target.parent))
        self.statusBar().showMessage(f"Study saved to {target}.")

    def save_csv(self) -> None:
        if not self.results_tab.rows:
            QMessageBox.information(self, APP_NAME, "There are no results to save yet.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save results as CSV", str(Path(self._last_dir("csv")) / "results.csv"),
                                              "CSV files (*.csv)")
        if path:
            self.save_csv_to(Path(path))

    def save_csv_to(self, path: Path) -> None:
        from core.results import write_rows_csv

        try:
            write_rows_csv(path, self.results_tab.rows)
        except OSError as exc:
            show_error(self, f"saving {path.name}", exc, "Choose a folder you can write to.")
            return
        self.settings.setValue("dirs/csv", str(path.parent))
        self.statusBar().showMessage(f"{len(self.results_tab.rows)} results saved to {path}.")

    def export_histogram(self, fmt: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export histogram as {fmt.upper()}",
                                              str(Path(self._last_dir("figure")) / f"confidence_histogram.{fmt}"),
                                              f"{fmt.upper()} files (*.{fmt})")
        if path:
            self.export_histogram_to(Path(path))

    def export_histogram_to(self, path: Path) -> None:
        try:
            self.results_tab.export_histogram(path)
        except (OSError, ValueError) as exc:
            show_error(self, f"exporting the histogram to {path.name}", exc)
            return
        self.settings.setValue("dirs/figure", str(path.parent))
        self.statusBar().showMessage(f"Histogram saved to {path}.")

    def export_report(self) -> None:
        source = self.results_tab.study_dir
        if source is None or not (source / "summary.json").exists():
            QMessageBox.information(self, APP_NAME, "There is no finished study to report yet: run one first "
                                    "(Study › Run the study), or open one (File › Open study…).")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the report as PDF", str(Path(self._last_dir("report")) / f"{source.name}.pdf"),
                                              "PDF files (*.pdf)")
        if path:
            self.export_report_to(Path(path))

    def export_report_to(self, path: Path) -> Task:
        source = self.results_tab.study_dir

        def report(job):
            from core.report import make_report
            return make_report(source, path)

        self.settings.setValue("dirs/report", str(path.parent))
        return run_task(self, report, f"writing the report {path.name}", advice="Choose a folder you can write to.",
                        success=lambda written: self.statusBar().showMessage(f"Report saved to {written}."))

    # ---- help and housekeeping ---------------------------------------------------------------------
    def show_about(self) -> None:
        about = (REPO / "resources" / "help" / "about.html").read_text(encoding="utf-8")
        box = QMessageBox(QMessageBox.Icon.NoIcon, f"About {APP_NAME}", about, QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setObjectName("aboutDialog")
        box.open()

    def open_log(self) -> None:
        path = getattr(log, "log_path", None)
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def _last_dir(self, kind: str) -> str:
        return str(self.settings.value(f"dirs/{kind}", str(Path.home())))

    def closeEvent(self, event) -> None:
        self._warm_up_timer.stop()
        self.thumbnails.stop()
        self.small_thumbnails.stop()
        Task.stop_all()  # finished work is on disk; no thread may outlive the window it reports to
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/tab", self.tabs.currentIndex())
        for tab in (self.dataset_tab, self.cloaking_tab, self.recognition_tab, self.results_tab):
            tab.save_settings()
        self.settings.sync()
        super().closeEvent(event)
