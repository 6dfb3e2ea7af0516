"""Recognition tab: which recognizers judge the cloaks, how strict they are (the false-match rate), how many runs,
and the Azure Face connection."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from .worker import Task, run_task

RECOGNIZERS = {
    "dlib": "dlib's ResNet face descriptor, on this computer (what most open-source face tools use).",
    "mobileface": "MobileFaceNet, a small network independent of dlib, on this computer.",
    "faceres": "FaceRes, a larger network independent of dlib, on this computer.",
    "azure": "Microsoft Azure Face, the service the reference study used. Needs an endpoint and a key; "
             "photos are sent to Microsoft.",
}
TIERS = {"free": "Free (F0): 20 calls a minute", "standard": "Standard (S0): 10 calls a second"}
MODEL_CHOICES = {"latest": "Latest: recognition_04 + detection_03",
                 "2020": "2020 study: recognition_01 + detection_01"}


class RecognitionTab(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.settings = window.settings

        self.boxes: dict[str, QCheckBox] = {}
        chosen = str(self.settings.value("recognition/chosen", "dlib")).split(",")
        choose = QVBoxLayout()
        for name, words in RECOGNIZERS.items():
            box = QCheckBox(name)
            box.setChecked(name in chosen)
            box.setToolTip(words)
            note = QLabel(words)
            note.setWordWrap(True)
            note.setStyleSheet("color: #555; margin-left: 24px;")
            choose.addWidget(box)
            choose.addWidget(note)
            self.boxes[name] = box
        several = QLabel("Choose several to see whether a cloak made against one network also fools the others "
                         "(the transfer matrix on the Results tab).")
        several.setWordWrap(True)
        choose.addWidget(several)
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(float(self.settings.value("recognition/threshold", 0.5)))
        self.threshold.setToolTip("Azure's own confidence line (0.5 is Azure's default), used only when the study has no "
                                  "clean condition to calibrate Azure on. The other recognizers are always calibrated.")
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(QLabel("Azure's confidence line without a clean condition"))
        threshold_row.addWidget(self.threshold)
        threshold_row.addStretch(1)
        self.fmr = QComboBox()
        self.fmr.setObjectName("fmrChoice")
        from core.metrics import DEFAULT_FMR, FMR_CHOICES, fmr_label, fmr_words

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
        choose.addLayout(threshold_row)
        run_button = QPushButton("Run the study")
        run_button.setToolTip("Enrol the training photos of every ticked condition, identify the test photos (Ctrl+R).")
        run_button.clicked.connect(lambda: self.window.run_study())
        choose.addWidget(run_button)
        choose.addStretch(1)
        choose_group = QGroupBox("Recognizers that judge the cloaks")
        choose_group.setLayout(choose)

        # ---- Azure
        self.endpoint = QLineEdit(str(self.settings.value("azure/endpoint", "")))
        self.endpoint.setPlaceholderText("https://<your-resource>.cognitiveservices.azure.com/")
        self.endpoint.setToolTip("From the Azure portal: your Face resource › Keys and Endpoint.")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("paste the key here, then Save key")
        self.key.setToolTip("Stored in the system keyring, never in a file of ours.")
        save_key = QPushButton("Save key")
        save_key.clicked.connect(self.save_key)
        forget_key = QPushButton("Forget key")
        forget_key.clicked.connect(self.forget_key)
        key_row = QHBoxLayout()
        key_row.addWidget(self.key, 1)
        key_row.addWidget(save_key)
        key_row.addWidget(forget_key)
        self.keyring_note = QLabel()
        self.keyring_note.setWordWrap(True)
        self.tier = QComboBox()
        for value, words in TIERS.items():
            self.tier.addItem(words, value)
        self.tier.setCurrentIndex(max(self.tier.findData(self.settings.value("azure/tier", "free")), 0))
        self.tier.setToolTip("The app paces its calls to your resource's pricing tier so Azure does not refuse them.")
        self.models = QComboBox()
        for value, words in MODEL_CHOICES.items():
            self.models.addItem(words, value)
        self.models.setCurrentIndex(max(self.models.findData(self.settings.value("azure/models", "latest")), 0))
        self.models.setToolTip("The reference study (2020) used recognition_01; confidences of different models "
                               "are not comparable.")
        test_button = QPushButton("Test connection")
        test_button.setToolTip("One call to Azure: tells apart a wrong key, a wrong endpoint, no connection, "
                               "and a resource not approved for identification.")
        test_button.clicked.connect(self.test_connection)
        self.answer = QLabel()
        self.answer.setWordWrap(True)
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        leftovers_button = QPushButton("Find groups left by interrupted runs")
        leftovers_button.setToolTip("Each run makes one person group on Azure and deletes it at the end; "
                                    "a crash can leave one behind.")
        leftovers_button.clicked.connect(self.find_leftovers)
        self.leftovers = QListWidget()
        self.leftovers.setMaximumHeight(90)
        delete_button = QPushButton("Delete selected group")
        delete_button.clicked.connect(self.delete_leftover)
        azure_form = QFormLayout()
        azure_form.addRow("Endpoint", self.endpoint)
        azure_form.addRow("Key", key_row)
        azure_form.addRow(self.keyring_note)
        azure_form.addRow("Tier", self.tier)
        azure_form.addRow("Models", self.models)
        azure_form.addRow(test_button, self.answer)
        azure_form.addRow(leftovers_button)
        azure_form.addRow(self.leftovers)
        azure_form.addRow(delete_button)
        azure_layout = QVBoxLayout()
        azure_layout.addLayout(azure_form)
        azure_layout.addStretch(1)
        azure_group = QGroupBox("Azure Face")
        azure_group.setLayout(azure_layout)

        layout = QHBoxLayout(self)
        layout.addWidget(choose_group, 1)
        layout.addWidget(azure_group, 1)

    # ---- choices -------------------------------------------------------------------------------
    def recognizers(self) -> list[str]:
        return [name for name, box in self.boxes.items() if box.isChecked()]

    def set_recognizers(self, names: list[str]) -> None:
        for name, box in self.boxes.items():
            box.setChecked(name in names)

    def recognizer_options(self) -> dict[str, dict]:
        options = {name: {"threshold": self.threshold.value()} for name in self.recognizers()}
        if "azure" in options:
            options["azure"].update(endpoint=self.endpoint.text().strip() or None, tier=self.tier.currentData(),
                                    models=self.models.currentData())
            if self.key.text().strip():  # typed but not saved: used for this run only, never written
                options["azure"]["key"] = self.key.text().strip()
        return options

    def chosen_fmr(self) -> float:
        return float(self.fmr.currentData())

    def set_fmr(self, fmr: float) -> None:
        index = self.fmr.findData(fmr)
        if index >= 0:
            self.fmr.setCurrentIndex(index)

    def save_settings(self) -> None:
        self.settings.setValue("recognition/fmr", self.chosen_fmr())
        self.settings.setValue("recognition/repeat", self.repeat.value())
        self.settings.setValue("recognition/chosen", ",".join(self.recognizers()))
        self.settings.setValue("recognition/threshold", self.threshold.value())
        self.settings.setValue("azure/endpoint", self.endpoint.text().strip())
        self.settings.setValue("azure/tier", self.tier.currentData())
        self.settings.setValue("azure/models", self.models.currentData())

    # ---- Azure key and connection ----------------------------------------------------------------
    def show_keyring_state(self) -> None:
        """Asking the keyring can take a moment (it may start a D-Bus session): off the GUI thread."""
        from core.credentials import keyring_available, load_key

        run_task(self, lambda job: (*keyring_available(), load_key() is not None), "looking for the keyring",
                 success=lambda state: self._keyring_state(*state))

    def _keyring_state(self, available: bool, where: str, saved: bool) -> None:
        saved_words = " A key is saved." if saved else " No key is saved yet."
        if available:
            self.keyring_note.setText(f"The key is kept in {where}.{saved_words}")
        else:
            self.keyring_note.setText(f"Note: {where}. A key you enter is kept in memory until you quit, "
                                      f"and you will need to enter it again next time.{saved_words}")

    def save_key(self) -> None:
        from core.credentials import save_key

        if not self.key.text().strip():
            self.keyring_note.setText("Paste the key first.")
            return
        self.keyring_note.setText(save_key(self.key.text()))
        self.key.clear()

    def forget_key(self) -> None:
        from core.credentials import forget_key

        self.keyring_note.setText(forget_key())

    def _credentials(self) -> tuple[str, str] | None:
        from core.credentials import resolve_azure

        endpoint, key = resolve_azure(self.endpoint.text().strip() or None, self.key.text().strip() or None)
        if not endpoint or not key:
            self.answer.setText("Enter the endpoint and the key first.")
            return None
        return endpoint, key

    def test_connection(self) -> Task | None:
        from core.recognizers.azure import test_connection

        credentials = self._credentials()
        if credentials is None:
            return None
        self.answer.setText("Asking Azure…")
        return run_task(self, lambda job: test_connection(*credentials), "testing the Azure connection",
                        success=lambda result: self.answer.setText(("✔ " if result[0] else "✘ ") + result[1]))

    def find_leftovers(self) -> Task | None:
        from core.recognizers.azure import leftover_groups

        credentials = self._credentials()
        if credentials is None:
            return None
        return run_task(self, lambda job: leftover_groups(*credentials, job), "listing leftover Azure groups",
                        success=self._show_leftovers)

    def _show_leftovers(self, groups: list) -> None:
        self.leftovers.clear()
        for group in groups:
            self.leftovers.addItem(group.group_id if hasattr(group, "group_id") else str(group))
        if not groups:
            self.answer.setText("No groups were left behind.")

    def delete_leftover(self) -> Task | None:
        from core.recognizers.azure import delete_group

        item = self.leftovers.currentItem()
        credentials = self._credentials()
        if item is None or credentials is None:
            return None
        group_id = item.text()
        return run_task(self, lambda job: delete_group(*credentials, group_id, job), f"deleting the Azure group {group_id}",
                        success=lambda _: self.leftovers.takeItem(self.leftovers.row(item)))
