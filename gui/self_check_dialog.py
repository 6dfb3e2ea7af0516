""""Am I protected?": a guided dialog over ``core.self_check``: choose your photos, a crowd and a protection,
run, read one answer card per recognizer, and save your cloaked photos."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from core.catalogue import CATALOGUE, tracker

from .answer_card import AnswerCard
from .errors import show_error
from .privacy_question import ask_before_sending, self_check_counts
from .tracker_variants import TrackerVariants
from .what_if import PRESETS
from .worker import ProgressPanel, Task, format_seconds, run_task

VERSIONS = {"0.3": "Fawkes 0.3.1 (pulls your face towards someone else's; as in the reference study)",
            "1.0": "Fawkes 1.0 (pushes your face away from itself)"}
UPLOADS = {words.split("(")[1].rstrip(")"): modifier for words, modifier in PRESETS.items() if modifier.startswith("+resize")}
WAITING = "Choose your photos, then press Check my photos: the answer appears here, one card per recognizer."
STAY_HOME = "Your photos stay on this computer."
SENT_AWAY = "Your photos will be sent to {companies}, because you ticked it."


def _wrapped(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _mode_words(config) -> str:
    from core.cloaking.modes import get_mode

    return get_mode(config.version, config.mode, config.custom).summary + "."


class SelfCheckDialog(QDialog):
    def __init__(self, window):
        super().__init__(window)
        self.setObjectName("selfCheckDialog")
        self.setWindowTitle("Am I protected? Check my own photos")
        self.window = window
        self.settings = window.settings
        self.mine = None  # core.self_check.MyPhotos
        self.crowd: Path | None = None
        self.check = None  # core.self_check.SelfCheck, once run
        self.cards: list[AnswerCard] = []

        intro = _wrapped("Cloak your own photos, then see whether face recognizers still pick you out of a crowd. "
                         "Some of your photos are kept clean, as if a tracker had found them elsewhere; the rest are "
                         "cloaked and given to the tracker.")
        # 1. your photos
        self.photos_button = QPushButton("Choose the folder…")
        self.photos_button.setToolTip("A folder with at least 3 photos of you; one face each is best.")
        self.photos_button.clicked.connect(self.choose_photos)
        self.photos_label = _wrapped("No folder chosen yet: at least 3 photos of you (one face each is best).")
        self.name = QLineEdit(str(self.settings.value("self_check/name", "me")))
        self.name.setToolTip("What the answer calls you; it must differ from every name in the crowd.")
        photos_form = QFormLayout()
        photos_form.addRow(self.photos_button, self.photos_label)
        photos_form.addRow("Your name", self.name)
        # 2. the crowd
        self.crowd_box = QComboBox()
        self.crowd_box.setToolTip("The other people the recognizer knows; you have to be picked out from among them.")
        self.crowd_box.activated.connect(self._crowd_chosen)
        self.crowd_label = _wrapped()
        crowd_form = QFormLayout()
        crowd_form.addRow("Hide among", self.crowd_box)
        crowd_form.addRow(self.crowd_label)
        # 3. the protection
        self.version = QComboBox()
        for version, words in VERSIONS.items():
            self.version.addItem(words, version)
        self.version.setCurrentIndex(max(self.version.findData(self.settings.value("self_check/version", "0.3")), 0))
        self.mode = QComboBox()
        self.mode.setToolTip("Stronger protection changes your photos more and takes longer.")
        self.custom_steps = QSpinBox()
        self.custom_steps.setRange(1, 5000)
        self.custom_steps.setValue(10)
        self.custom_steps.setToolTip("Custom: how many rounds of small changes each photo gets.")
        self.upload_box = QCheckBox("Also check after uploading to a social network, which shrinks and re-compresses photos")
        self.upload_box.setChecked(str(self.settings.value("self_check/upload", "true")) == "true")
        self.upload = QComboBox()
        for words, modifier in UPLOADS.items():
            self.upload.addItem(words, modifier)
        self.upload.setCurrentIndex(max(self.upload.findData("+resize:1080+jpeg:75"), 0))
        self.upload_box.toggled.connect(self.upload.setEnabled)
        self.upload_box.toggled.connect(self._update_estimate)
        self.time_label = _wrapped()
        protection_form = QFormLayout()
        protection_form.addRow("Protection", self.version)
        protection_form.addRow("Strength", self.mode)
        protection_form.addRow("Custom rounds", self.custom_steps)
        protection_form.addRow(self.upload_box)
        protection_form.addRow("Uploaded as", self.upload)
        protection_form.addRow(self.time_label)
        # 4. who looks for you
        self.recognizer_boxes: dict[str, QCheckBox] = {}
        judges = QVBoxLayout()
        for entry in CATALOGUE:  # offline trackers ticked; an online service only when the user ticks it
            box = QCheckBox(f"{entry.name}: {entry.words}" if not entry.online
                            else f"{entry.name}: {entry.words.split('. ')[0]} (your photos are sent to {entry.company})")
            box.setChecked(not entry.online)
            self.recognizer_boxes[entry.name] = box
            judges.addWidget(box)
            if not entry.online:  # trackers that fight back: other matchers, cleanings, screening (none ticked)
                variants = TrackerVariants(entry.name, [])
                judges.addWidget(variants)
                self.recognizer_boxes.update(variants.boxes)
        self.azure_box = self.recognizer_boxes.get("azure")
        self.services_hint = _wrapped()
        self.services_hint.setStyleSheet("color: #555;")
        judges.addWidget(self.services_hint)
        self._follow_services()
        window.recognition_tab.services_changed.connect(self._follow_services)
        self.privacy = _wrapped(STAY_HOME)
        judges.addWidget(self.privacy)
        for box in self.recognizer_boxes.values():
            box.toggled.connect(self._update_estimate)

        self.run_button = QPushButton("Check my photos")
        self.run_button.setDefault(True)
        self.run_button.clicked.connect(self.run)
        self.progress = ProgressPanel()

        # the answer
        self.answer_box = QVBoxLayout()
        self.meaning = _wrapped(WAITING)
        self.meaning.setStyleSheet("color: #444;")
        answer_widget = QWidget()
        answer_layout = QVBoxLayout(answer_widget)
        answer_layout.addLayout(self.answer_box)
        answer_layout.addWidget(self.meaning)
        answer_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(answer_widget)
        scroll.setMinimumHeight(180)
        self.format = QComboBox()
        self.format.addItem("PNG (exactly the cloak)", "png")
        self.format.addItem("JPEG", "jpeg")
        self.quality = QSpinBox()
        self.quality.setRange(50, 100)
        self.quality.setValue(92)
        self.quality.setPrefix("quality ")
        self.format.currentIndexChanged.connect(lambda: self.quality.setEnabled(self.format.currentData() == "jpeg"))
        self.quality.setEnabled(False)
        self.save_button = QPushButton("Save my cloaked photos…")
        self.save_button.setToolTip("Your photos with the cloak, full resolution: the ones you would post.")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.choose_save_folder)
        close_button = QPushButton("Close")
        close_button.clicked.connect(self.close)
        bottom = QHBoxLayout()
        bottom.addWidget(self.save_button)
        bottom.addWidget(self.format)
        bottom.addWidget(self.quality)
        bottom.addStretch(1)
        bottom.addWidget(close_button)

        steps = QVBoxLayout()  # left: the four choices and the run; right: the answer
        steps.addWidget(intro)
        for title, inner in (("1. Your photos", photos_form), ("2. The crowd you hide among", crowd_form),
                             ("3. The protection", protection_form), ("4. Who looks for you", judges)):
            group = QGroupBox(title)
            group.setLayout(inner)
            steps.addWidget(group)
        steps.addStretch(1)
        steps.addWidget(self.run_button)
        steps.addWidget(self.progress)
        answer_side = QVBoxLayout()
        answer_side.addWidget(QLabel("<b>The answer</b>"))
        answer_side.addWidget(scroll, 1)
        answer_side.addLayout(bottom)
        layout = QHBoxLayout(self)
        layout.addLayout(steps, 5)
        layout.addLayout(answer_side, 4)
        self.resize(1200, 740)  # fits a 1280×800 screen

        self.version.currentIndexChanged.connect(self._fill_modes)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.custom_steps.valueChanged.connect(self._update_estimate)
        self._fill_modes()
        self._fill_crowds()

    # ---- choices -----------------------------------------------------------------------------------
    def choose_photos(self) -> None:
        start = str(self.settings.value("self_check/photos", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self, "The folder with your photos", start)
        if folder:
            self.set_photos(Path(folder))

    def set_photos(self, folder: Path) -> Task:
        """Look at the folder's photos (faces found in each) off the GUI thread."""
        self.settings.setValue("self_check/photos", str(folder))
        self.photos_label.setText(f"Looking at the photos in {folder}…")

        def look(job):
            from core.self_check import find_my_photos
            return find_my_photos(folder, job)

        return run_task(self, look, f"looking at the photos in {folder}", success=self._photos_found, panel=self.progress)

    def _photos_found(self, mine) -> None:
        from core.self_check import MIN_PHOTOS, TWO_TESTS_FROM

        self.mine = mine
        n = len(mine.usable)
        tests = 2 if n >= TWO_TESTS_FROM else 1
        text = (f"{n} photos of you with a face: {tests} kept clean to test with, {max(n - tests, 0)} cloaked for the tracker."
                if n >= MIN_PHOTOS else f"Only {n} photos with a face: at least {MIN_PHOTOS} are needed.")
        for line in mine.notes() + [f"Not used: {p}" for p in mine.problems]:
            text += f"\n• {line}"
        self.photos_label.setText(text)
        self._update_estimate()

    def _fill_crowds(self) -> None:
        from core.self_check import crowd_choices

        self.crowd_box.clear()
        for label, folder in crowd_choices(self.window.data_dir):
            self.crowd_box.addItem(label, str(folder))
        self.crowd_box.addItem("Another dataset folder…", None)
        self._crowd_chosen(0)

    def _crowd_chosen(self, index: int) -> None:
        folder = self.crowd_box.itemData(index)
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, "A dataset folder to hide among",
                                                      str(self.settings.value("dirs/dataset", str(Path.home()))))
            if not chosen:
                self.crowd_box.setCurrentIndex(0)
                self._crowd_chosen(0)
                return
            self.set_crowd(Path(chosen))
            return
        self.crowd = Path(folder)
        self.crowd_label.setText(f"{self.crowd_box.itemText(index)}: {self.crowd}")
        self._update_estimate()

    def set_crowd(self, folder: Path) -> None:
        """Any dataset folder, added to the list with its size."""
        from core.self_check import describe_crowd

        try:
            label = describe_crowd(folder)
        except (OSError, ValueError) as exc:
            show_error(self, f"opening {folder} as the crowd", exc, "Choose a folder of other people's face photos.")
            return
        self.crowd_box.insertItem(self.crowd_box.count() - 1, label, str(folder))
        self.crowd_box.setCurrentIndex(self.crowd_box.count() - 2)
        self._crowd_chosen(self.crowd_box.currentIndex())

    def _fill_modes(self) -> None:
        from .cloaking_tab import modes_of

        wanted = self.mode.currentText() or str(self.settings.value("self_check/mode", "high"))
        self.mode.blockSignals(True)
        self.mode.clear()
        self.mode.addItems(modes_of(self.version.currentData()))
        self.mode.setCurrentIndex(max(self.mode.findText(wanted), self.mode.findText("high"), 0))
        self.mode.blockSignals(False)
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.custom_steps.setEnabled(self.mode.currentText() == "custom")
        self._update_estimate()

    def _follow_services(self) -> None:
        """An online service can be ticked only once it is set up on the Recognition tab."""
        tab = self.window.recognition_tab
        for name, box in self.recognizer_boxes.items():
            if tracker(name).online:
                ready = tab.service_ready(name)
                box.setEnabled(ready)
                box.setToolTip("Set up on the Recognition tab." if ready else
                               f"Set it up on the Recognition tab first. {tracker(name).settings_help}".strip())
        waiting = [name for name, box in self.recognizer_boxes.items() if tracker(name).online and not box.isEnabled()]
        self.services_hint.setText(f"Greyed out ({', '.join(waiting)}): set up on the Recognition tab first."
                                   if waiting else "")
        self.services_hint.setVisible(bool(waiting))

    def recognizers(self) -> list[str]:
        return [name for name, box in self.recognizer_boxes.items() if box.isChecked() and box.isEnabled()]

    def config(self):
        from core.self_check import SelfCheckConfig

        mode = self.mode.currentText()
        return SelfCheckConfig(
            photos=self.mine.folder if self.mine else Path(), crowd=self.crowd or Path(),
            out=self.window.data_dir / "self-checks" / time.strftime("%Y-%m-%d_%H-%M-%S"),
            name=self.name.text().strip() or "me", version=self.version.currentData(), mode=mode,
            custom={"steps": self.custom_steps.value()} if mode == "custom" else None,
            recognizers=self.recognizers(), recognizer_options=self.window.recognition_tab.recognizer_options(self.recognizers()),
            upload=self.upload.currentData() if self.upload_box.isChecked() else None,
            cache_dir=self.window.data_dir / "cloak-cache")  # its record never holds a secret (SECRET_OPTIONS)

    def _update_estimate(self) -> None:
        companies = [tracker(name).company for name in self.recognizers() if tracker(name).online]
        self.privacy.setText(SENT_AWAY.format(companies=" and ".join(companies)) if companies else STAY_HOME)
        if self.mine is None or self.crowd is None or not self.mode.currentText():
            self.time_label.setText("Choose your photos to see how long it takes on this computer.")
            return
        config, photos, data_dir = self.config(), len(self.mine.usable), self.window.data_dir

        def estimate(job):  # the engine imports torch: off the GUI thread
            from core.datasets import open_dataset
            from core.self_check import estimate_seconds
            return estimate_seconds(photos, len(open_dataset(config.crowd, check_images=False).photos), config,
                                    data_dir, job)

        run_task(self, estimate, "working out how long it takes",
                 success=lambda s: self.time_label.setText(f"{_mode_words(config)} About {format_seconds(s)} on this "
                                                           f"computer for your {photos} photos."),
                 failure=lambda exc: self.time_label.setText(f"(No estimate: {exc})"))

    # ---- running -----------------------------------------------------------------------------------
    def run(self) -> Task | None:
        if self.progress.busy:
            return None
        if self.mine is None:
            self.photos_label.setText("Choose the folder with your photos first.")
            return None
        if not self.recognizers():
            self.privacy.setText("Tick at least one recognizer.")
            return None
        config, mine = self.config(), self.mine
        for name in ("name", "version", "mode"):
            self.settings.setValue(f"self_check/{name}", getattr(config, name))
        self.settings.setValue("self_check/upload", "true" if config.upload else "false")
        # an online service: first the question naming the company and the plan; nothing is sent without Yes
        self.privacy_task = ask_before_sending(self, config.recognizers, config.recognizer_options,
                                               self_check_counts(len(mine.usable), config.crowd, len(config.conditions())),
                                               lambda: self._start(config, mine))
        return self.check_task if self.privacy_task is None else None

    def _start(self, config, mine) -> Task:
        self._clear_answer()

        def check(job):
            from core.self_check import run_self_check
            return run_self_check(config, job, mine)

        task = self.check_task = run_task(self, check, "checking your photos", success=self.show_answer, panel=self.progress)
        self.run_button.setEnabled(False)
        task.ended.connect(lambda: self.run_button.setEnabled(True))
        return task

    def _clear_answer(self) -> None:
        for card in self.cards:
            self.answer_box.removeWidget(card)
            card.deleteLater()
        self.cards = []
        self.meaning.setText("")
        self.save_button.setEnabled(False)

    def show_answer(self, check) -> None:
        self.check = check
        self._clear_answer()
        for answer in check.answers:
            card = AnswerCard(answer)
            self.cards.append(card)
            self.answer_box.addWidget(card)
        notes = "".join(f"<br>• {n}" for n in check.notes)
        self.meaning.setText("<b>What this can and cannot tell you.</b> " + " ".join(check.what_it_means()) + notes)
        self.save_button.setEnabled(bool(check.cloaks))

    # ---- saving ------------------------------------------------------------------------------------
    def choose_save_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where to save your cloaked photos",
                                                  str(self.settings.value("self_check/save", str(Path.home()))))
        if folder:
            self.save_to(Path(folder))

    def save_to(self, folder: Path) -> Task:
        check, fmt, quality = self.check, self.format.currentData(), self.quality.value()
        self.settings.setValue("self_check/save", str(folder))

        def save(job):
            from core.self_check import save_cloaked_photos
            return save_cloaked_photos(check, folder, fmt, quality)

        return run_task(self, save, f"saving your cloaked photos to {folder}", panel=self.progress,
                        success=lambda written: self.progress.label.setText(f"{len(written)} cloaked photos saved in {folder}."),
                        advice="Choose a folder you can write to.")

    def closeEvent(self, event) -> None:
        if self.progress.busy:
            self.progress.cancel()
        super().closeEvent(event)
