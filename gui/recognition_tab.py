"""Recognition tab: which recognizers judge the cloaks, how strict they are (the false-match rate), how many runs,
and one settings panel per online service (``gui/service_panels.py``), all from ``core.catalogue``."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from core.catalogue import CATALOGUE

from .add_network_dialog import AddNetworkDialog
from .service_panel import ServicePanel
from .service_panels import make_panel
from .tracker_variants import TrackerVariants
from .worker import Task, run_task


class RecognitionTab(QWidget):
    services_changed = Signal()  # an online service became set up, or stopped being so
    network_added = Signal(object)  # a face network the user added (core.catalogue.Tracker): a cloak's target too

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.settings = window.settings

        self.boxes: dict[str, QCheckBox] = {}
        from core.sample import FIRST_RUN_RECOGNIZERS  # first launch: dlib and mobileface (see there why)

        chosen = str(self.settings.value("recognition/chosen", ",".join(FIRST_RUN_RECOGNIZERS))).split(",")
        choose = QVBoxLayout()
        for entry in CATALOGUE:  # every tracker the app knows, in the catalogue's order
            name, words = entry.name, entry.words
            box = QCheckBox(name)
            box.setChecked(name in chosen)
            box.setToolTip(words)
            note = QLabel(words)
            note.setWordWrap(True)
            note.setStyleSheet("color: #555; margin-left: 24px;")
            choose.addWidget(box)
            choose.addWidget(note)
            self.boxes[name] = box
            if not entry.online:  # its matchers and cleanings, each a tracker of its own (gui/tracker_variants.py)
                variants = TrackerVariants(name, chosen)
                choose.addWidget(variants)
                self.boxes.update(variants.boxes)
        self.add_network_button = QPushButton("Add a face network…")
        self.add_network_button.setObjectName("addNetworkButton")
        self.add_network_button.setToolTip("A face network you have as an ONNX file (ArcFace, AdaFace, MagFace…) becomes "
                                           "a tracker, and a network a cloak can be made against.")
        self.add_network_button.clicked.connect(self.open_add_network)
        choose.addWidget(self.add_network_button)
        self._choose = choose
        several = QLabel("Choose several to see whether a cloak made against one network also fools the others "
                         "(the transfer matrix on the Results tab).")
        several.setWordWrap(True)
        choose.addWidget(several)
        self.fmr = QComboBox()
        self.fmr.setObjectName("fmrChoice")
        from core.fmr import DEFAULT_FMR, FMR_CHOICES, fmr_label, fmr_words

        for value in FMR_CHOICES:
            self.fmr.addItem(f"{fmr_label(value)}: {fmr_words(value)}", value)
        saved = float(self.settings.value("recognition/fmr", DEFAULT_FMR))
        self.fmr.setCurrentIndex(max(self.fmr.findData(saved), 0))
        self.fmr.setToolTip("How strict every recognizer is: its threshold is set on the clean photos so that a "
                            "stranger passes for a given person this often (the false-match rate). The Results tab "
                            "can show a finished study at another rate without running it again.")
        fmr_row = QHBoxLayout()
        fmr_row.addWidget(QLabel("Strictness (false-match rate)"))
        fmr_row.addWidget(self.fmr)
        fmr_row.addStretch(1)
        self.repeat = QSpinBox()
        self.repeat.setObjectName("repeatSpin")
        self.repeat.setRange(1, 20)
        self.repeat.setValue(int(self.settings.value("recognition/repeat", 1)))
        self.repeat.setToolTip("Run our own cloaking (and a random split) this many times with seeds seed, seed+1, …: "
                               "the summary gives each run and the mean, min and max.")
        repeat_row = QHBoxLayout()
        repeat_row.addWidget(QLabel("Runs (seeds)"))
        repeat_row.addWidget(self.repeat)
        repeat_row.addStretch(1)
        choose.addLayout(fmr_row)
        choose.addLayout(repeat_row)
        run_button = QPushButton("Run the study")
        run_button.setToolTip("Enrol the training photos of every ticked condition, identify the test photos (Ctrl+R).")
        run_button.clicked.connect(lambda: self.window.run_study())
        choose.addWidget(run_button)
        choose.addStretch(1)
        choose_group = QGroupBox("Recognizers that judge the cloaks")
        choose_group.setLayout(choose)

        # ---- one panel per online service, in the catalogue's order
        self.panels: dict[str, ServicePanel] = {}
        self.services = QTabWidget()
        self.services.setObjectName("servicePanels")
        for entry in CATALOGUE:
            if entry.online:
                panel = self.panels[entry.name] = make_panel(entry, self.settings)
                panel.changed.connect(self.services_changed)
                self.services.addTab(panel, panel.title)
        services_layout = QVBoxLayout()
        services_layout.addWidget(self.services)
        services_group = QGroupBox("Online services: set one up here, then tick it on the left")
        services_group.setLayout(services_layout)
        self._keep_azure_names()

        layout = QHBoxLayout(self)
        layout.addWidget(choose_group, 1)
        layout.addWidget(services_group, 1)

    def _keep_azure_names(self) -> None:
        """The Azure controls under the names the window has always had (``tab.endpoint``, ``tab.key``, …)."""
        azure = self.panels.get("azure")
        if azure is None:
            return
        self.endpoint, self.key, self.keyring_note = azure.endpoint, azure.secrets["subscription key"], azure.keyring_note
        self.tier, self.models, self.threshold = azure.tier, azure.models, azure.threshold
        self.answer, self.leftovers = azure.answer, azure.leftovers
        self.save_key, self.forget_key = azure.save_secrets, azure.forget_secrets
        self.test_connection, self.find_leftovers, self.delete_leftover = (
            azure.test_connection, azure.find_leftovers, azure.delete_leftover)

    # ---- added networks ------------------------------------------------------------------------
    def open_add_network(self) -> AddNetworkDialog:
        dialog = AddNetworkDialog(self)
        dialog.added.connect(self._show_added_network)
        dialog.show()
        return dialog

    def _show_added_network(self, network) -> None:
        """The network just added, ticked, above the button (at the next start it is listed with the others)."""
        box = QCheckBox(network.name)
        box.setChecked(True)
        box.setToolTip(network.entry().words)
        self._choose.insertWidget(self._choose.indexOf(self.add_network_button), box)
        self.boxes[network.name] = box
        self.network_added.emit(network.entry())

    # ---- choices -------------------------------------------------------------------------------
    def recognizers(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked()]

    def set_recognizers(self, names: list[str]) -> None:
        for name, box in self.boxes.items():
            box.setChecked(name in names)

    def recognizer_options(self, names: list[str] | None = None) -> dict[str, dict]:
        """Each recognizer's options (the ticked ones unless ``names`` says): an online service's settings, and a
        secret typed but not saved for this run only; every local tracker keeps its own defaults."""
        names = self.recognizers() if names is None else names
        return {name: self.panels[name].options() if name in self.panels else {} for name in names}

    def typed_secrets(self, name: str) -> dict:
        """A service's secrets typed on its panel but not saved (none for a local tracker)."""
        return self.panels[name].typed_secrets() if name in self.panels else {}

    def service_ready(self, name: str) -> bool:
        """Whether an online service has what it needs to be asked (a local tracker always has)."""
        return name not in self.panels or self.panels[name].is_set_up()

    def chosen_fmr(self) -> float:
        return float(self.fmr.currentData())

    def set_fmr(self, fmr: float) -> None:
        index = self.fmr.findData(fmr)
        if index >= 0:
            self.fmr.setCurrentIndex(index)

    def save_settings(self) -> None:
        """Ordinary settings only: the services' secrets are in the keyring, never in this file."""
        self.settings.setValue("recognition/fmr", self.chosen_fmr())
        self.settings.setValue("recognition/repeat", self.repeat.value())
        self.settings.setValue("recognition/chosen", ",".join(self.recognizers()))
        for panel in self.panels.values():
            panel.save_settings()

    # ---- the keyring ---------------------------------------------------------------------------------
    def show_keyring_state(self) -> Task:
        """Asking the keyring can take a moment (it may start a D-Bus session): one question off the GUI thread
        for every service's saved secrets."""
        from core.credentials import keyring_available

        panels = dict(self.panels)
        asked = {name: panel.generation for name, panel in panels.items()}

        def look(job):
            return (*keyring_available(), {name: panel.saved_secrets() for name, panel in panels.items()})

        def show(state) -> None:
            available, where, saved = state
            for name, panel in panels.items():
                if panel.generation == asked[name]:  # not saved or forgotten meanwhile
                    panel.show_saved(available, where, saved[name])

        return run_task(self, look, "looking for the keyring", success=show)
