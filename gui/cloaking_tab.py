"""Cloaking tab: choose how to cloak, cloak the training photos, compare them, and pick the study's conditions.

The parts live in their own files: the settings panel (gui/cloak_settings.py), the conditions list
(gui/conditions_list.py) and the results table with its viewer (gui/cloak_results_table.py); this tab joins them
and runs the jobs that fill the table (cloak now; look at a condition's cloaks, found where they were made)."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QMessageBox, QScrollArea, QSplitter, QVBoxLayout, QWidget

from core.conditions import parse_spec, read_spec
from core.modifiers.preview import as_enrolled

from .cloak_results_table import CloakResultsTable
from .cloak_settings import CloakSettingsPanel, modes_of
from .conditions_list import ConditionsPanel, describe_condition
from .errors import log, show_error
from .worker import ProgressPanel, Task, run_task

__all__ = ["CloakingTab", "describe_condition", "modes_of"]  # imported from here before the split (gui/self_check_dialog.py)


class CloakingTab(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.settings = window.settings
        self.settings_panel = how = CloakSettingsPanel(window)
        self.conditions_panel = listed = ConditionsPanel(window)
        self.results = CloakResultsTable(window, self._as_enrolled)
        # the parts' widgets, by the names the window, the tests and the benches use
        self.version, self.mode, self.description, self.device = how.version, how.mode, how.description, how.device
        self.custom_steps, self.custom_budget, self.custom_rate = how.custom_steps, how.custom_budget, how.custom_rate
        self.custom_row, self.extractor_boxes, self.seed = how.custom_row, how.extractor_boxes, how.seed
        self.per_face, self.pool_label = how.per_face, how.pool_label
        self.strangers, self.strict_budget = how.strangers, how.strict_budget
        self.cloak_button = how.cloak_button
        self.conditions_list, self.look_button = listed.conditions_list, listed.look_button
        self.external_command, self.what_if = listed.external_command, listed.what_if
        self.table, self.viewer = self.results.table, self.results.viewer

        how.cloak_button.clicked.connect(self.run_cloaking)
        how.add_button.clicked.connect(lambda: self.add_condition(self.fawkes_condition()))
        listed.look_button.clicked.connect(self.look_at_condition)
        self.conditions_list.itemDoubleClicked.connect(lambda _: self.look_at_condition())
        listed.external_button.clicked.connect(lambda: self.add_condition(f"external:{self.mode.currentText()}"))

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(how)
        left_layout.addWidget(listed, 1)
        # scrolled rather than squeezed when the window is short: a squeezed form draws its rows over each other
        scrolled = QScrollArea()
        scrolled.setWidget(left)
        scrolled.setWidgetResizable(True)
        scrolled.setFrameShape(QFrame.Shape.NoFrame)
        scrolled.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scrolled.setMinimumWidth(left.minimumSizeHint().width() + scrolled.verticalScrollBar().sizeHint().width())
        self.left_column = scrolled
        self.viewer.enlarge_toggled.connect(lambda on: scrolled.setVisible(not on))  # the pictures take the tab
        splitter = QSplitter()
        splitter.addWidget(scrolled)
        splitter.addWidget(self.results)
        splitter.setSizes([420, 860])
        self.progress = ProgressPanel()
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress)
        listed.restore()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self.settings_panel.measure:
            self.settings_panel.measure = True
            self.describe_mode()  # now with a measurement of this computer, the first time

    @property
    def reports(self) -> list:
        """The table's rows: what the latest job reported."""
        return self.results.reports

    # ---- settings (gui/cloak_settings.py) --------------------------------------------------------
    def save_settings(self) -> None:
        self.settings_panel.save_settings()
        self.conditions_panel.save_settings()

    def describe_mode(self) -> None:
        self.settings_panel.describe_mode()

    def extractors(self) -> list[str]:
        return self.settings_panel.extractors()

    def target_pool_option(self) -> str | None:
        return self.settings_panel.target_pool_option()

    def cloak_settings(self) -> dict:
        return self.settings_panel.cloak_settings()

    def cache_dir(self) -> Path:
        return self.settings_panel.cache_dir()

    def custom(self) -> dict | None:
        return self.settings_panel.custom()

    def fawkes_condition(self) -> str:
        return self.settings_panel.fawkes_condition()

    def cloak_options(self) -> dict:
        """What the study's cloaking conditions need besides their name."""
        options = self.settings_panel.cloak_options()
        if self.conditions_panel.external_option():
            options["external_command"] = self.conditions_panel.external_option()
        return options

    # ---- conditions (gui/conditions_list.py) -----------------------------------------------------
    def add_condition(self, spec: str, checked: bool = True) -> None:
        self.conditions_panel.add_condition(spec, checked)

    def set_conditions(self, specs: list[str]) -> None:
        self.conditions_panel.set_conditions(specs)

    def all_conditions(self) -> list[str]:
        return self.conditions_panel.all_conditions()

    def conditions(self) -> list[str]:
        """The ticked conditions, in list order."""
        return self.conditions_panel.conditions()

    def add_modifier(self, modifier: str) -> None:
        self.conditions_panel.add_modifier(modifier)

    # ---- cloaking ------------------------------------------------------------------------------
    def dataset_changed(self) -> None:
        self.cloak_button.setEnabled(self.window.split is not None)
        self.describe_mode()  # the time for this split's training photos

    def _start_job(self, action: str, why_dataset: str):
        """The open dataset and split, with the table emptied for a new job; None (said why) when it cannot start."""
        dataset, split = self.window.dataset, self.window.split
        if dataset is None or split is None:
            show_error(self, action, ValueError(f"Open a dataset first: {why_dataset}"))
            return None
        if self.progress.busy:
            self.window.statusBar().showMessage("Another job is running on this tab: wait for it, or cancel it first.")
            return None
        self.results.clear()
        return dataset, split

    def run_cloaking(self) -> Task | None:
        ready = self._start_job("cloaking", "there are no training photos to cloak.")
        if ready is None:
            return None
        dataset, split = ready
        settings = self.cloak_settings()
        photos = [dataset.root / f for files in split.train.values() for f in files]
        person_of = {dataset.root / f: person for person, files in split.train.items() for f in files}
        # 0.3.1 targets: the other people of the dataset (as the study chooses them), the strangers held out, or a pool folder
        pool = {person: [p.path for p in ps] for person, ps in dataset.people().items()}
        if self.strangers.value():  # held out by the Dataset tab's split, with its seed, as the study holds them out
            if len(split.strangers) != self.strangers.value():
                show_error(self, "cloaking", ValueError(f"Cannot hold {self.strangers.value()} strangers out of this dataset "
                                                        "(the Dataset tab says why); choose fewer."))
                return None
            pool = {person: pool[person] for person in split.strangers}
        name = (f"{settings['version']}-{settings['mode']}-{'+'.join(settings['extractors'])}-seed{settings['seed']}"
                + ("-strict" if settings["strict_budget"] else "") + (f"-strangers{self.strangers.value()}-split{split.seed or 0}" if self.strangers.value() else ""))
        out_dir = self.window.data_dir / "cloaks" / dataset.root.name / name
        started = time.monotonic()
        data_dir = self.window.data_dir

        def cloak(job):
            from core.cloaking.engine import CloakSettings, cloak_photos
            from core.cloaking.estimate import run_clock
            job.time_left = run_clock(CloakSettings(**settings), len(photos), data_dir)  # the measured speed, if any
            return cloak_photos(photos, out_dir, CloakSettings(**settings), job, pool=pool, person_of=person_of)

        def summary(reports: list) -> str:
            cloaked = sum(1 for r in reports if r.output)
            return f"{cloaked} of {len(reports)} photos cloaked in {time.monotonic() - started:.0f} s."

        self.save_settings()
        return run_task(self, cloak, f"cloaking {len(photos)} training photos ({settings['version']} {settings['mode']})",
                        success=lambda reports: self._show_reports(reports, summary(reports)), panel=self.progress)

    def look_at_condition(self) -> Task | None:
        """Show the selected condition's training photos beside their cloaks: imported and the original program's
        cloaks measured, ours found in the cache or a study folder (never made without asking), the clean
        photos as they are; a what-if's photo as enrolled is shown beside them (``_as_enrolled``)."""
        item = self.conditions_list.currentItem()
        spec = item.data(Qt.ItemDataRole.UserRole) if item else ""
        if not spec:
            self.window.statusBar().showMessage("Select a condition in the list to look at its photos.")
            return None
        ready = self._start_job("looking at the cloaks", "its training photos are the originals.")
        if ready is None:
            return None
        dataset, split = ready
        base = parse_spec(spec).base_spec  # the cloaks as made, before any what-if
        if base.kind == "fawkes":
            return self._look_at_own(base.spelling, dataset, split)
        if base.kind == "none":
            from core.condition_photos import clean_report

            reports = [clean_report(dataset.root / f) for files in split.train.values() for f in files]
            self._show_reports(reports, f"{len(reports)} clean training photos: no cloak, each is enrolled as it is.")
            return None
        if base.kind == "external":
            from core.condition_photos import external_folder

            try:
                folder = external_folder(self.window.results_tab.study_dir, base.spelling)
            except FileNotFoundError as exc:
                self.progress.label.setText(str(exc))
                return None
            return self._measure(folder, dataset, split, "cloaks made by the original program")
        return self._measure(base.folder, dataset, split, f"imported cloaks from {base.folder.name}")

    def _look_at_own(self, spec: str, dataset, split) -> Task:
        """Our cloaks from the cache or the last study's folder; when there are none, ask before making them."""
        options = self.cloak_options()  # as the study would be given them, seed included
        study = self.window.results_tab.study_dir

        def find(job):
            from core.condition_photos import own_cloaks
            return own_cloaks(dataset, split, spec, options, [study] if study is not None else [])

        def found(reports: list) -> None:
            missing = sum(1 for r in reports if not r.output)
            self._show_reports(reports, f"{len(reports) - missing} of {len(reports)} cloaks of {describe_condition(spec)}, "
                                        "as made earlier (none was made now)."
                               + (f" {missing} not made yet: Cloak the training photos makes them." if missing else ""))

        def not_found(exc: BaseException) -> None:
            from core.condition_photos import CloaksMissing

            if isinstance(exc, CloaksMissing):
                self.progress.label.setText(f"The cloaks of {describe_condition(spec)} have not been made yet.")
                self.make_cloaks_dialog = self._offer_to_cloak(spec, exc)
            else:
                show_error(self, "looking for the cloaks", exc)

        return run_task(self, find, f"looking for the cloaks of {spec}", panel=self.progress, success=found,
                        failure=not_found)

    def _offer_to_cloak(self, spec: str, missing) -> QMessageBox:
        """Cloaking takes minutes: ask, and make them with the condition's version and mode only when told to."""
        chosen = parse_spec(spec)
        version, mode = chosen.version, chosen.mode
        box = QMessageBox(QMessageBox.Icon.Question, "Fawkes Tracker", f"The cloaks of {describe_condition(spec)} have not "
                          "been made yet.", QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("makeCloaksDialog")
        box.setInformativeText(f"None of the {missing.total} training photos has one. Make them now? This cloaks the "
                               f"training photos with Fawkes {version} {mode} (as Cloak the training photos does); it "
                               "can take several minutes without a graphics card. Later, the study reuses them.")
        make = box.addButton("Make them now", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)

        def chosen(button) -> None:
            if button is make:
                from core.cloaking.modes import normalise_version

                self.version.setCurrentIndex(max(self.version.findData(normalise_version(version)), 0))
                self.mode.setCurrentText(mode)
                self.run_cloaking()

        box.buttonClicked.connect(chosen)
        box.open()
        return box

    def _measure(self, folder: Path, dataset, split, what: str) -> Task:
        """Measure the cloaks in ``folder`` against their originals and list them for the viewer."""

        def measure(job):
            from core.cloaking.compare import compare_imported
            return compare_imported(folder, dataset, split, job)

        unpaired: list[str] = []  # cloaks that could belong to several photos, named (core.pairing)

        def summary(reports: list) -> str:
            left = (f" Not used: {unpaired[0]}" + (f" (and {len(unpaired) - 1} more, see the log)" if len(unpaired) > 1 else "")
                    if unpaired else "")
            if not reports:
                return f"No photo in {folder} is a cloak of a training photo of this split (names must match).{left}"
            unusable = sum(1 for r in reports if not r.output)
            return f"{len(reports)} {what}" + (f"; {unusable} could not be compared." if unusable else ".") + left

        def unpaired_note(text: str) -> None:
            unpaired.append(text)
            log.info("Cloaks in %s: %s", folder, text)

        return run_task(self, measure, f"measuring the cloaks in {folder.name}", panel=self.progress, note=unpaired_note,
                        success=lambda reports: self._show_reports(reports, summary(reports)))

    def _show_reports(self, reports: list, summary: str) -> None:
        self.results.show_reports(reports)
        self.progress.label.setText(summary)
        if self.reports:
            self.table.selectRow(0)

    def _as_enrolled(self, report):
        """How the selected condition's modifiers would enrol this cloak (None without modifiers)."""
        item, dataset, split = self.conditions_list.currentItem(), self.window.dataset, self.window.split
        spec = item.data(Qt.ItemDataRole.UserRole) if item else ""
        chosen = read_spec(spec)
        if chosen is None or not chosen.modifiers or dataset is None or split is None:
            return None
        source, cloak, seed = Path(report.source), Path(report.output), self.seed.value()
        relative = dataset.relative(source) if source.is_relative_to(dataset.root) else source.name
        person = next((p for p, files in split.train.items() if relative in files), "")

        def enrolled():
            return as_enrolled(spec, cloak, source, seed, person, split.train.get(person, []), relative)

        return enrolled
