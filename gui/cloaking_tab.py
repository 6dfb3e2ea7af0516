"""Cloaking tab: choose how to cloak, cloak the training photos, compare them, and pick the study's conditions."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from .cloak_viewer import CloakViewer
from .errors import log, show_error
from .what_if import WhatIfPanel
from .worker import ProgressPanel, Task, run_task

VERSIONS = {"0.3": "0.3.1 — targeted (as in the reference study)", "1.0": "1.0 — untargeted"}
EXTRACTORS = {
    "dlib": "dlib's ResNet (the default recognizer): judging with dlib is then a white-box test",
    "mobileface": "MobileFaceNet, independent of dlib",
    "faceres": "FaceRes, independent of dlib",
}
REPORT_COLUMNS = ["Photo", "Faces", "DSSIM", "PSNR (dB)", "Largest change", "Feature shift", "Seconds", "Made", "Note"]
STUDY_POOL_WORDS = "targets among the enrolled people (the study's others)"


class CloakingTab(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.settings = window.settings
        self.reports: list = []
        self._shown = False  # this computer's speed is measured the first time the tab is shown
        self._descriptions = 0  # the latest description asked for; older answers are stale

        # ---- how to cloak
        self.version = QComboBox()
        for version, words in VERSIONS.items():
            self.version.addItem(words, version)
        self.version.setToolTip("0.3.1 pulls each face towards another person; 1.0 pushes it away from itself.")
        self.mode = QComboBox()
        self.mode.setToolTip("Stronger modes change the photo more and take longer.")
        self.custom_steps = QSpinBox()
        self.custom_steps.setRange(1, 5000)
        self.custom_steps.setValue(int(self.settings.value("cloak/custom_steps", 10)))
        self.custom_steps.setToolTip("Optimisation steps per photo: more steps, stronger cloak, longer run.")
        self.custom_budget = QDoubleSpinBox()
        self.custom_budget.setRange(0.0005, 0.1)
        self.custom_budget.setDecimals(4)
        self.custom_budget.setSingleStep(0.001)
        self.custom_budget.setValue(float(self.settings.value("cloak/custom_budget", 0.005)))
        self.custom_budget.setToolTip("The DSSIM budget: how much the face crop may change (0 = not at all).")
        self.custom_rate = QDoubleSpinBox()
        self.custom_rate.setRange(0.1, 100.0)
        self.custom_rate.setValue(float(self.settings.value("cloak/custom_rate", 20.0)))
        self.custom_rate.setToolTip("The optimiser's learning rate.")
        self.custom_row = QWidget()
        custom_layout = QHBoxLayout(self.custom_row)
        custom_layout.setContentsMargins(0, 0, 0, 0)
        for label, widget in (("steps", self.custom_steps), ("budget", self.custom_budget), ("rate", self.custom_rate)):
            custom_layout.addWidget(QLabel(label))
            custom_layout.addWidget(widget)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setMinimumHeight(48)
        self.extractor_boxes = {}
        extractor_row = QHBoxLayout()
        for name, words in EXTRACTORS.items():
            box = QCheckBox(name)
            box.setToolTip(f"Optimise the cloak against {words}.")
            self.extractor_boxes[name] = box
            extractor_row.addWidget(box)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setToolTip("The same photo, settings and seed always give the same cloak (and it is reused).")
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setToolTip("auto uses a graphics card (CUDA) when there is one, else the processor.")
        self.per_face = QComboBox()
        self.per_face.addItem("a target per face", True)
        self.per_face.addItem("one target for the whole run", False)
        self.per_face.setToolTip("0.3.1 only: which other identity each face is pulled towards.")
        self.pool_label = QLabel(STUDY_POOL_WORDS)
        self.pool_label.setToolTip("Target identities for 0.3.1. The original Fawkes used strangers' photos; "
                                   "by default we use the other people of this study.")
        self.strangers = QSpinBox()
        self.strangers.setRange(0, 1000)
        self.strangers.setSpecialValueText("no strangers")
        self.strangers.setSuffix(" strangers")
        self.strangers.setToolTip("Hold this many people of the dataset out of the study (not enrolled, not tested), "
                                  "chosen with the seed, and draw 0.3.1's targets from them only, as the original "
                                  "drew strangers to the recognizer.")
        self.strangers.valueChanged.connect(lambda _: self._set_pool(self.target_pool if not self.strangers.value() else None))
        self.strict_budget = QCheckBox("Strict budget")
        self.strict_budget.setToolTip("Keep every written photo within the mode's DSSIM budget. Unticked (the default), "
                                      "cloaks are written as the original Fawkes wrote them, which go past the budget.")
        pool_button = QPushButton("Choose…")
        pool_button.setToolTip("Any dataset folder to take target identities from.")
        pool_button.clicked.connect(self._choose_pool)
        pool_reset = QPushButton("Default")
        pool_reset.clicked.connect(lambda: self._set_pool(None))
        pool_row = QHBoxLayout()
        pool_row.addWidget(self.pool_label, 1)
        pool_row.addWidget(self.strangers)
        pool_row.addWidget(pool_button)
        pool_row.addWidget(pool_reset)
        self.target_pool: Path | None = None

        form = QFormLayout()
        form.addRow("Version", self.version)
        form.addRow("Mode", self.mode)
        form.addRow("Custom", self.custom_row)
        form.addRow(self.description)
        form.addRow("Made against", extractor_row)
        form.addRow("Seed", self.seed)
        form.addRow("Device", self.device)
        form.addRow("Targets", self.per_face)
        form.addRow("Target pool", pool_row)
        form.addRow("Budget", self.strict_budget)
        self.cloak_button = QPushButton("Cloak the training photos")
        self.cloak_button.setToolTip("Cloak this split's training photos now, to look at them here "
                                     "(the study makes its own, with the same settings, in its folder).")
        self.cloak_button.clicked.connect(self.run_cloaking)
        add_button = QPushButton("Add this mode to the study")
        add_button.setToolTip("The study will enrol photos cloaked with this version, mode and extractors.")
        add_button.clicked.connect(lambda: self.add_condition(self.fawkes_condition()))
        buttons = QHBoxLayout()
        buttons.addWidget(self.cloak_button)
        buttons.addWidget(add_button)
        form.addRow(buttons)
        settings_group = QGroupBox("How to cloak")
        settings_group.setLayout(form)

        # ---- conditions of the study
        self.conditions_list = QListWidget()
        self.conditions_list.setToolTip("Each ticked condition is one set of training photos the study enrols. "
                                        "'none' is the clean photos, for comparison.")
        import_button = QPushButton("Import cloaks…")
        import_button.setToolTip("A folder of photos cloaked by another tool, named after the originals "
                                 "(e.g. 01-1m_min_cloaked.png for 01-1m.jpg).")
        import_button.clicked.connect(self._choose_import)
        remove_button = QPushButton("Remove")
        remove_button.clicked.connect(self._remove_condition)
        self.look_button = look_button = QPushButton("Look at these cloaks")
        look_button.setToolTip("Measure the selected imported cloaks and show them next to their originals "
                               "(or double-click the folder in the list).")
        look_button.clicked.connect(self.look_at_imported)
        self.conditions_list.itemDoubleClicked.connect(lambda _: self.look_at_imported())
        self.external_command = QLineEdit(str(self.settings.value("cloak/external_command", "")))
        self.external_command.setPlaceholderText("the original Fawkes program, e.g. /opt/fawkes/bin/fawkes")
        self.external_command.setToolTip("Where you have the original Fawkes (it needs Python 3.8 or older), "
                                         "the app runs it on the training photos and imports what it writes.")
        external_button = QPushButton("Add original Fawkes")
        external_button.setToolTip("Run the original program with the chosen mode as one more condition.")
        external_button.clicked.connect(lambda: self.add_condition(f"external:{self.mode.currentText()}"))
        conditions_layout = QVBoxLayout()
        conditions_layout.addWidget(self.conditions_list)
        row = QHBoxLayout()
        row.addWidget(import_button)
        row.addWidget(look_button)
        row.addWidget(remove_button)
        conditions_layout.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.external_command, 1)
        row.addWidget(external_button)
        conditions_layout.addLayout(row)
        self.what_if = WhatIfPanel(self.settings)
        self.what_if.modifier_chosen.connect(self.add_modifier)
        conditions_layout.addWidget(self.what_if)
        conditions_group = QGroupBox("Conditions in the study")
        conditions_group.setLayout(conditions_layout)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(settings_group)
        left_layout.addWidget(conditions_group, 1)

        # ---- what cloaking did
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
        self.viewer = CloakViewer()
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.table)
        right.addWidget(self.viewer)
        right.setSizes([220, 480])

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([420, 860])
        self.progress = ProgressPanel()
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress)

        self._restore()
        self.version.currentIndexChanged.connect(self._version_changed)
        self.mode.currentIndexChanged.connect(self.describe_mode)
        for box in self.extractor_boxes.values():
            box.toggled.connect(self.describe_mode)
        self.custom_steps.valueChanged.connect(self.describe_mode)
        self.device.currentIndexChanged.connect(self.describe_mode)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            self.describe_mode()  # now with a measurement of this computer, the first time

    # ---- settings ------------------------------------------------------------------------------
    def _restore(self) -> None:
        version = str(self.settings.value("cloak/version", "0.3"))
        self.version.setCurrentIndex(max(self.version.findData(version), 0))
        self._fill_modes(str(self.settings.value("cloak/mode", "min")))
        extractors = self.settings.value("cloak/extractors", "dlib")
        chosen = extractors.split(",") if isinstance(extractors, str) else list(extractors or [])
        for name, box in self.extractor_boxes.items():
            box.setChecked(name in chosen)
        self.seed.setValue(int(self.settings.value("cloak/seed", 0)))
        self.strict_budget.setChecked(str(self.settings.value("cloak/strict_budget", "false")).lower() == "true")
        self.device.setCurrentText(str(self.settings.value("cloak/device", "auto")))
        from core.sample import first_run_conditions  # first launch: clean, real Fawkes min and high, ours

        conditions = self.settings.value("study/conditions", "\n".join(first_run_conditions()))
        self.set_conditions(conditions.split("\n") if isinstance(conditions, str) else list(conditions))

    def save_settings(self) -> None:
        self.settings.setValue("cloak/version", self.version.currentData())
        self.settings.setValue("cloak/mode", self.mode.currentText())
        self.settings.setValue("cloak/extractors", ",".join(self.extractors()))
        self.settings.setValue("cloak/seed", self.seed.value())
        self.settings.setValue("cloak/strict_budget", self.strict_budget.isChecked())
        self.settings.setValue("cloak/custom_steps", self.custom_steps.value())
        self.settings.setValue("cloak/custom_budget", self.custom_budget.value())
        self.settings.setValue("cloak/custom_rate", self.custom_rate.value())
        self.settings.setValue("cloak/device", self.device.currentText())
        self.settings.setValue("cloak/external_command", self.external_command.text())
        self.settings.setValue("study/conditions", "\n".join(self.all_conditions()))

    def _version_changed(self) -> None:
        self._fill_modes(self.mode.currentText())
        self.describe_mode()

    def _fill_modes(self, wanted: str) -> None:
        self.mode.blockSignals(True)
        self.mode.clear()
        self.mode.addItems(modes_of(self.version.currentData()))
        index = self.mode.findText(wanted)
        self.mode.setCurrentIndex(max(index, 0))
        self.mode.blockSignals(False)
        self.per_face.setEnabled(self.version.currentData() == "0.3")
        self.custom_row.setEnabled(self.mode.currentText() == "custom")

    def describe_mode(self) -> None:
        """The mode in words and the time the split's training photos take here, worked out off the GUI
        thread: once the tab has been shown, the first call measures this computer (about 2 s)."""
        version, mode, extractors = self.version.currentData(), self.mode.currentText(), tuple(self.extractors() or ["dlib"])
        custom, device, measure, data_dir = self.custom(), self.device.currentText(), self._shown, self.window.data_dir
        photos = self.window.split.training_photos if self.window.split is not None else 0
        self.custom_row.setEnabled(mode == "custom")
        self.description.setText("Working out what this mode does and how long it takes here…")
        self._descriptions += 1
        ticket = self._descriptions

        def describe(job):  # the engine imports torch: keep it off the GUI thread and out of start-up
            from core.cloaking.estimate import describe_run
            return describe_run(version, mode, custom, extractors, device, photos, data_dir, measure, job)

        run_task(self, describe, "describing the mode", success=lambda text: self._described(ticket, text),
                 failure=lambda exc: self._not_described(ticket, exc))

    def _not_described(self, ticket: int, exc: BaseException) -> None:
        log.warning("No description of the mode: %s", exc)
        self._described(ticket, f"(No description: {exc})")

    def _described(self, ticket: int, text: str) -> None:
        if ticket == self._descriptions:  # not stale
            self.description.setText(text)

    def extractors(self) -> list[str]:
        return [name for name, box in self.extractor_boxes.items() if box.isChecked()]

    def _choose_pool(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of target identities", str(Path.home()))
        if folder:
            self._set_pool(Path(folder))

    def _set_pool(self, folder: Path | None) -> None:
        self.target_pool = folder
        if folder is not None:
            self.strangers.blockSignals(True)
            self.strangers.setValue(0)
            self.strangers.blockSignals(False)
        strangers = self.strangers.value()
        self.pool_label.setText(str(folder) if folder else (f"targets among {strangers} strangers held out of the study"
                                                            if strangers else STUDY_POOL_WORDS))

    def target_pool_option(self) -> str | None:
        """``CloakSettings.target_pool``: a folder, ``strangers:N`` or None (the study's people)."""
        if self.strangers.value():
            return f"strangers:{self.strangers.value()}"
        return str(self.target_pool) if self.target_pool is not None else None

    def cloak_settings(self) -> dict:
        """``CloakSettings`` fields; the class is made in the worker, which imports the engine (and torch)."""
        return dict(version=self.version.currentData(), mode=self.mode.currentText(),
                    extractors=tuple(self.extractors() or ["dlib"]), seed=self.seed.value(),
                    device=self.device.currentText(), target_pool=self.target_pool_option(),
                    target_per_face=bool(self.per_face.currentData()), custom=self.custom(),
                    cache_dir=self.cache_dir(), strict_budget=self.strict_budget.isChecked())

    def cache_dir(self) -> Path:
        """One cache for this tab and the study, so a study reuses the cloaks made here."""
        return self.window.data_dir / "cloak-cache"

    def custom(self) -> dict | None:
        if self.mode.currentText() != "custom":
            return None
        return {"steps": self.custom_steps.value(), "th": self.custom_budget.value(), "lr": self.custom_rate.value()}

    def cloak_options(self) -> dict:
        """What the study's cloaking conditions need besides their name."""
        options = {"extractors": self.extractors() or ["dlib"], "seed": self.seed.value(),
                   "device": self.device.currentText(), "target_per_face": bool(self.per_face.currentData()),
                   "cache_dir": str(self.cache_dir()), "strict_budget": self.strict_budget.isChecked()}
        if self.custom() is not None:
            options["custom"] = self.custom()
        if self.target_pool_option() is not None:
            options["target_pool"] = self.target_pool_option()
        if self.external_command.text().strip():
            options["external_command"] = self.external_command.text().strip()
        return options

    # ---- conditions ----------------------------------------------------------------------------
    def fawkes_condition(self) -> str:
        return f"fawkes:{self.version.currentData()}:{self.mode.currentText()}"

    def add_condition(self, spec: str, checked: bool = True) -> None:
        for i in range(self.conditions_list.count()):
            item = self.conditions_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == spec:
                item.setCheckState(Qt.CheckState.Checked if checked else item.checkState())
                return
        item = QListWidgetItem(describe_condition(spec))
        item.setData(Qt.ItemDataRole.UserRole, spec)
        item.setToolTip(spec)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.conditions_list.addItem(item)

    def set_conditions(self, specs: list[str]) -> None:
        self.conditions_list.clear()
        for spec in ["none", *[s for s in specs if s and s != "none"]]:
            self.add_condition(spec, checked=spec in specs)

    def all_conditions(self) -> list[str]:
        return [self.conditions_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.conditions_list.count())]

    def conditions(self) -> list[str]:
        """The ticked conditions, in list order."""
        items = (self.conditions_list.item(i) for i in range(self.conditions_list.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked]

    def add_modifier(self, modifier: str) -> None:
        """The selected condition under a what-if (``+resize:1080+jpeg:75``, ``@3``), as one more condition."""
        from core.modifiers import split_modifiers

        item = self.conditions_list.currentItem()
        if item is None:
            self.window.statusBar().showMessage("Select a condition in the list first, then add the what-if to it.")
            return
        spec = item.data(Qt.ItemDataRole.UserRole) + modifier
        try:
            split_modifiers(spec)
        except ValueError as exc:
            self.window.statusBar().showMessage(str(exc))
            return
        self.add_condition(spec)
        self.conditions_list.setCurrentRow(self.all_conditions().index(spec))

    def _choose_import(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of photos cloaked by another tool",
                                                  str(self.settings.value("dirs/import", str(Path.home()))))
        if folder:
            self.settings.setValue("dirs/import", str(Path(folder).parent))
            self.add_condition(f"import:{folder}")

    def _remove_condition(self) -> None:
        row = self.conditions_list.currentRow()
        if row > 0:  # "none" stays: it is what every cloak is compared with
            self.conditions_list.takeItem(row)

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
        self.reports = []
        self.table.setRowCount(0)
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
        if self.strangers.value():
            from core.split import choose_strangers

            try:
                strangers = choose_strangers(sorted(split.train), self.strangers.value(), self.seed.value())
            except ValueError as exc:
                show_error(self, "cloaking", exc)
                return None
            pool = {person: pool[person] for person in strangers}
            photos = [p for p in photos if person_of[p] not in strangers]
        name = (f"{settings['version']}-{settings['mode']}-{'+'.join(settings['extractors'])}-seed{settings['seed']}"
                + ("-strict" if settings["strict_budget"] else "") + (f"-strangers{self.strangers.value()}" if self.strangers.value() else ""))
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

    def look_at_imported(self) -> Task | None:
        """Measure the selected imported folder's cloaks against their originals and list them for the viewer."""
        item = self.conditions_list.currentItem()
        spec = item.data(Qt.ItemDataRole.UserRole) if item else ""
        if not spec.startswith("import:"):
            self.window.statusBar().showMessage("Select an imported folder of cloaks in the list to look at its photos.")
            return None
        ready = self._start_job("looking at imported cloaks", "its training photos are the originals.")
        if ready is None:
            return None
        dataset, split = ready
        from core.modifiers import split_modifiers

        folder = Path(split_modifiers(spec)[0].split(":", 1)[1])  # the cloaks as imported, before any what-if

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
            return (f"{len(reports)} imported cloaks from {folder.name}" + (f"; {unusable} could not be compared." if unusable else ".")
                    + left)

        def unpaired_note(text: str) -> None:
            unpaired.append(text)
            log.info("Imported cloaks in %s: %s", folder, text)

        return run_task(self, measure, f"measuring the cloaks in {folder.name}", panel=self.progress, note=unpaired_note,
                        success=lambda reports: self._show_reports(reports, summary(reports)))

    def _show_reports(self, reports: list, summary: str) -> None:
        self.reports = list(reports)
        self.table.setRowCount(len(self.reports))
        for row, report in enumerate(self.reports):
            shift = ", ".join(f"{name} {value:.3f}" for name, value in (report.feature_shift or {}).items())
            cells = [self._photo_name(report.source), str(report.faces), _num(report.dssim, 4), _num(report.psnr, 1),
                     _num(report.max_change, 0), shift, _num(report.seconds, 1), report.variant or "another tool",
                     report.problem or "; ".join(x for x in (report.note, "reused from the cache" if report.cached else "",
                                                             f"DSSIM on the {report.view}" if report.view else "") if x)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (1, 2, 3, 4, 6):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.progress.label.setText(summary)
        if self.reports:
            self.table.selectRow(0)

    def _photo_name(self, photo) -> str:
        """The photo's path in the dataset: two people may both have a 1.jpg."""
        root = self.window.dataset.root if self.window.dataset is not None else None
        photo = Path(photo)
        return photo.relative_to(root).as_posix() if root is not None and photo.is_relative_to(root) else photo.name

    def _view(self, row: int) -> None:
        if not 0 <= row < len(self.reports):
            return
        report = self.reports[row]
        if not report.output:
            self.viewer.metrics.setText(f"{Path(report.source).name}: {report.problem or 'not cloaked'}")
            return
        text = (f"<b>{Path(report.source).name}</b> · DSSIM {_num(report.dssim, 4)} · PSNR {_num(report.psnr, 1)} dB · "
                f"largest change {_num(report.max_change, 0)} of 255 · faces {report.faces}")
        self.viewer.show_pair(Path(report.source), Path(report.output), text, self._as_enrolled(report))

    def _as_enrolled(self, report):
        """How the selected condition's modifiers would enrol this cloak (None without modifiers)."""
        item, dataset, split = self.conditions_list.currentItem(), self.window.dataset, self.window.split
        spec = item.data(Qt.ItemDataRole.UserRole) if item else ""
        if not describe_modifiers(spec) or dataset is None or split is None:
            return None
        source, cloak, seed = Path(report.source), Path(report.output), self.seed.value()
        relative = dataset.relative(source) if source.is_relative_to(dataset.root) else source.name
        person = next((p for p, files in split.train.items() if relative in files), "")

        def as_enrolled():
            from core.modifiers.preview import as_enrolled
            return as_enrolled(spec, cloak, source, seed, person, split.train.get(person, []), relative)

        return as_enrolled


def describe_modifiers(spec: str) -> str:
    from core.modifiers import describe_modifiers as words  # plain strings, no torch

    return words(spec)


def modes_of(version: str) -> list[str]:
    from core.cloaking.modes import MODES  # plain presets, no torch

    return [name for v, name in MODES if v == version] + ["custom"]


def _num(value, digits: int) -> str:
    return "" if value is None or value != value else f"{value:.{digits}f}"  # value != value: NaN


def describe_condition(spec: str) -> str:
    from core.modifiers import split_modifiers

    try:
        base, steps = split_modifiers(spec)
    except ValueError:
        return spec
    if steps:
        kind, _, rest = base.partition(":")
        short = {"none": "clean photos", "import": f"imported cloaks ({Path(rest).name})",
                 "fawkes": f"Fawkes {rest.replace(':', ' ')}", "external": f"original Fawkes {rest}"}.get(kind, base)
        return f"{short} · what if: {describe_modifiers(spec)}"
    if spec == "none":
        return "none — clean training photos (for comparison)"
    if spec.startswith("fawkes:"):
        _, version, mode = spec.split(":", 2)
        return f"Fawkes {version} {mode} — cloaked by this app"
    if spec.startswith("import:"):
        from core.sample import bundled_cloak_mode

        mode = bundled_cloak_mode(spec.split(":", 1)[1])
        if mode:
            return f"real Fawkes 0.3.1 {mode} — the original program's cloaks, imported"
        return f"imported cloaks — {spec.split(':', 1)[1]}"
    if spec.startswith("external:"):
        return f"original Fawkes {spec.split(':', 1)[1]} — run by the original program"
    return spec
