"""The Cloaking tab's "How to cloak" panel: version, mode, extractors, seed, device, targets, strict budget, and the
mode in words with the time it takes here; what it sets is what both the cloak-now run and the study use."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QSpinBox, QWidget)

from core.catalogue import CATALOGUE
from core.cloaking.settings import describe_target_pool, parse_target_pool  # plain settings, no torch

from .errors import log
from .worker import run_task

VERSIONS = {"0.3": "0.3.1 — targeted (as in the reference study)", "1.0": "1.0 — untargeted"}
STUDY_POOL_WORDS = "targets among the enrolled people (the study's others)"


class CloakSettingsPanel(QGroupBox):
    """The settings; ``cloak_button`` and ``add_button`` are wired by the tab, which owns the jobs and the list."""

    def __init__(self, window):
        super().__init__("How to cloak")
        self.window = window
        self.settings = window.settings
        self.measure = False  # describe_mode measures this computer's speed once the tab has been shown
        self._descriptions = 0  # the latest description asked for; older answers are stale

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
        self.description.setMinimumHeight(self.description.fontMetrics().lineSpacing() * 4)  # up to four lines, none under the next row
        self.extractor_boxes = {}
        self.extractor_row = extractor_row = QHBoxLayout()
        for entry in CATALOGUE:
            self.add_extractor(entry)
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
        self.strangers.valueChanged.connect(lambda n: self.strangers.setSuffix(" stranger" if n == 1 else " strangers"))
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
        self.add_button = QPushButton("Add this mode to the study")
        self.add_button.setToolTip("The study will enrol photos cloaked with this version, mode and extractors.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.cloak_button)
        buttons.addWidget(self.add_button)
        form.addRow(buttons)
        self.setLayout(form)

        self._restore()
        self.version.currentIndexChanged.connect(self._version_changed)
        self.mode.currentIndexChanged.connect(self.describe_mode)
        for box in self.extractor_boxes.values():
            box.toggled.connect(self.describe_mode)
        self.custom_steps.valueChanged.connect(self.describe_mode)
        self.device.currentIndexChanged.connect(self.describe_mode)

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
        custom, device, measure, data_dir = self.custom(), self.device.currentText(), self.measure, self.window.data_dir
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

    def add_extractor(self, entry) -> None:
        """A "Made against" box for a catalogue entry a cloak can be made against (a network added while the window
        is open too); an online service gets none: a cloak cannot be made against what we cannot differentiate."""
        if not entry.can_cloak or entry.name in self.extractor_boxes:
            return
        box = QCheckBox(entry.name)
        box.setToolTip(f"Optimise the cloak against {entry.cloak_words or entry.words}.")
        self.extractor_boxes[entry.name] = box
        self.extractor_row.addWidget(box)

    def extractors(self) -> list[str]:
        return [name for name, box in self.extractor_boxes.items() if box.isChecked()]

    def _choose_pool(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of target identities", str(Path.home()))
        if folder:
            self._set_pool(Path(folder))

    def _set_pool(self, folder: Path | None) -> None:
        self.target_pool = folder
        if folder is not None:
            self.strangers.setValue(0)  # (its signal tells the Dataset tab; calling back here again changes nothing)
        strangers = self.strangers.value()
        self.pool_label.setText(str(folder) if folder else describe_target_pool(f"strangers:{strangers}") if strangers else STUDY_POOL_WORDS)

    def set_target_pool(self, value: str | None) -> None:
        """Show a saved ``target_pool`` (a study's): strangers:N, a folder, or the study's people."""
        kind, detail = parse_target_pool(value)
        if kind == "strangers":
            self.target_pool = None
            self.strangers.setValue(detail)
        else:
            self.strangers.setValue(0)
            self._set_pool(Path(detail) if kind == "folder" else None)

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
        """What the study's cloaking conditions need besides their name (the tab adds the external command)."""
        options = {"extractors": self.extractors() or ["dlib"], "seed": self.seed.value(),
                   "device": self.device.currentText(), "target_per_face": bool(self.per_face.currentData()),
                   "cache_dir": str(self.cache_dir()), "strict_budget": self.strict_budget.isChecked()}
        if self.custom() is not None:
            options["custom"] = self.custom()
        if self.target_pool_option() is not None:
            options["target_pool"] = self.target_pool_option()
        return options

    def fawkes_condition(self) -> str:
        return f"fawkes:{self.version.currentData()}:{self.mode.currentText()}"


def modes_of(version: str) -> list[str]:
    from core.cloaking.modes import MODES  # plain presets, no torch

    return [name for v, name in MODES if v == version] + ["custom"]
