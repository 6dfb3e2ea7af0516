"""The "Add a face network…" dialog: an ONNX face network the user has becomes a tracker (and, when its graph runs in
PyTorch, a cloak's target), after the sanity check on the bundled sample's clean photos (``core.added_networks``).

The check runs off the GUI thread with a progress bar; when it fails, the dialog says in plain words what it found
and which presets to try, and offers "Add anyway" instead of adding it.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout)

from core.added_networks.sanity import SAMPLE_WORDS, NetworkRejected
from core.added_networks.store import command_line_name
from core.models.onnx.presets import DEFAULT_PRESET, PRESETS

from .worker import ProgressPanel, Task, run_task

CUSTOM = "custom"


class AddNetworkDialog(QDialog):
    added = Signal(object)  # core.added_networks.store.AddedNetwork

    def __init__(self, parent=None, people: dict | None = None, where: str = SAMPLE_WORDS):
        super().__init__(parent)
        self.setWindowTitle("Add a face network")
        self.people, self.where = people, where  # the clean photos of the sanity check (default: the bundled sample)
        self.task: Task | None = None
        intro = QLabel("A face-recognition network you have as an ONNX file (InsightFace ArcFace, AdaFace, MagFace…) "
                       "becomes a tracker beside dlib and mobileface. The file stays where it is; it is checked first on "
                       "the bundled sample's clean photos.")
        intro.setWordWrap(True)
        self.file = QLineEdit()
        self.file.setObjectName("networkFile")
        self.file.textChanged.connect(self._suggest_name)
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)
        self.name = QLineEdit()
        self.name.setObjectName("networkName")
        self.preset = QComboBox()
        self.preset.setObjectName("networkPreset")
        for name, preset in PRESETS.items():
            self.preset.addItem(f"{name}: {preset.words()}", name)
        self.preset.addItem("custom: size, colour order, mean, scale, crop", CUSTOM)
        self.preset.setCurrentIndex(self.preset.findData(DEFAULT_PRESET))
        self.custom = QLineEdit("custom:order=rgb,mean=127.5,scale=127.5,crop=aligned")
        self.custom.setObjectName("customPreset")
        self.custom.setToolTip("custom:size=N,order=rgb|bgr,mean=M,scale=S,crop=aligned|loose (size: from the model "
                               "when left out)")
        self.preset.currentIndexChanged.connect(lambda _: self.custom.setEnabled(self.preset.currentData() == CUSTOM))
        self.custom.setEnabled(False)
        form = QFormLayout()
        form.addRow("ONNX file", file_row)
        form.addRow("Name", self.name)
        form.addRow("Preprocessing", self.preset)
        form.addRow("", self.custom)
        self.verdict = QLabel()
        self.verdict.setObjectName("networkVerdict")
        self.verdict.setWordWrap(True)
        self.panel = ProgressPanel()
        self.panel.setVisible(False)
        self.check_button = QPushButton("Check and add")
        self.check_button.setObjectName("checkNetwork")
        self.check_button.clicked.connect(lambda: self.check(insist=False))
        self.anyway_button = QPushButton("Add anyway")
        self.anyway_button.setObjectName("addAnyway")
        self.anyway_button.setToolTip("Add it although its sanity check failed: its results will probably mean nothing.")
        self.anyway_button.clicked.connect(lambda: self.check(insist=True))
        self.anyway_button.setVisible(False)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.check_button, self.anyway_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        for part in (intro, form, self.panel, self.verdict, buttons):
            layout.addLayout(part) if isinstance(part, (QFormLayout, QHBoxLayout)) else layout.addWidget(part)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a face network", "", "ONNX networks (*.onnx);;All files (*)")
        if path:
            self.file.setText(path)

    def _suggest_name(self, text: str) -> None:
        if text.strip() and not self.name.isModified():
            self.name.setText(command_line_name(Path(text.strip())))

    def chosen_preset(self) -> str:
        return self.custom.text().strip() if self.preset.currentData() == CUSTOM else self.preset.currentData()

    def check(self, insist: bool = False) -> Task:
        """Check the network (and add it when it passes, or when ``insist``) in the background."""
        path, name, preset = self.file.text().strip(), self.name.text().strip() or None, self.chosen_preset()
        people, where = self.people, self.where
        self.verdict.setText("")
        self.anyway_button.setVisible(False)
        self.check_button.setEnabled(False)

        def check(job):
            from core.added_networks.add import add_network  # PyTorch and onnxruntime: loaded here, off the GUI thread

            return add_network(path, name, preset, insist, people, where, job)

        self.task = run_task(self, check, "checking the face network", success=self._added, failure=self._failed,
                             panel=self.panel)
        self.task.ended.connect(lambda: self.check_button.setEnabled(True))
        return self.task

    def _added(self, value) -> None:
        network, result, note = value
        self.verdict.setText(f"{result.words()}\nAdded as {network.name}." + (f" Note: {note}" if note else ""))
        self.added.emit(network)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, NetworkRejected):
            self.verdict.setText(f"{exc} Choose another preset and check again, or add it anyway.")
            self.anyway_button.setVisible(True)
        else:
            self.verdict.setText(f"Not added: {exc}")
