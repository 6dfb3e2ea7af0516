"""Dataset tab: open a folder of photos, see who is who, the split on every photo, and what cannot be used."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListView, QListWidget, QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget)

from .worker import ProgressPanel, Task, run_task

ROLE_COLOURS = {"train": QColor("#dbe9f7"), "test": QColor("#fde2c4"), "stranger": QColor("#e7dcf3"), None: QColor("#e6e6e6")}
ROLE_WORDS = {"train": "training", "test": "test", "stranger": "stranger", None: "not in the study"}


class PhotoModel(QAbstractListModel):
    """The photos on show, each with its role in the split; thumbnails come from the shared cache."""

    def __init__(self, thumbnails, parent=None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.photos: list = []  # core.datasets.Photo
        self.roles: dict[str, str | None] = {}  # path -> "train" / "test" / None
        self._row_of: dict[str, int] = {}
        thumbnails.ready.connect(self._thumbnail_ready)

    def show(self, photos: list, roles: dict[str, str | None]) -> None:
        self.beginResetModel()
        self.photos, self.roles = photos, roles
        self._row_of = {str(p.path): i for i, p in enumerate(photos)}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.photos)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        photo = self.photos[index.row()]
        split_role = self.roles.get(str(photo.path))
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{photo.name}\n{ROLE_WORDS[split_role]}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self.thumbnails.get(photo.path)
        if role == Qt.ItemDataRole.BackgroundRole:
            return ROLE_COLOURS[split_role]
        if role == Qt.ItemDataRole.ToolTipRole:
            if split_role == "stranger":
                return (f"{photo.path}\nperson {photo.person}, photo {photo.number}: held out of the study as a Fawkes 0.3.1 "
                        "target, a stranger to the recognizer (not enrolled, not tested)")
            return f"{photo.path}\nperson {photo.person}, photo {photo.number}: {ROLE_WORDS[split_role]} photo"
        if role == Qt.ItemDataRole.UserRole:
            return photo
        return None

    def _thumbnail_ready(self, path: str) -> None:
        row = self._row_of.get(path)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class DatasetTab(QWidget):
    split_changed = Signal(object, object)  # Dataset, Split

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.settings = window.settings
        self.dataset = None
        self.split = None
        self.strangers = 0  # people held out as Fawkes 0.3.1 targets (the Cloaking tab's "N strangers")

        self.folder_label = QLabel("No dataset open.")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        open_button = QPushButton("Open folder…")
        open_button.setToolTip("A folder of face photos: IMM names (01-6m.jpg), one sub-folder per person, or a CSV file,person.")
        open_button.clicked.connect(self.choose_folder)
        self.download_button = QPushButton("Download full IMM database…")
        self.download_button.setToolTip("240 photos of 40 people from the Technical University of Denmark (about 50 MB). "
                                        "An interrupted download continues where it stopped.")
        self.download_button.clicked.connect(self.download_imm)
        self.check_button = QPushButton("Am I protected? Check my own photos…")
        self.check_button.setToolTip("Cloak your own photos and see whether face recognizers still pick you out of a crowd.")
        self.check_button.clicked.connect(lambda: self.window.check_my_photos())
        top = QHBoxLayout()
        top.addWidget(self.folder_label, 1)
        top.addWidget(open_button)
        top.addWidget(self.download_button)
        top.addWidget(self.check_button)

        self.people = QListWidget()
        self.people.setToolTip("Click a person to show only their photos.")
        self.people.currentRowChanged.connect(lambda _: self._show_photos())

        self.model = PhotoModel(window.thumbnails, self)
        self.grid = QListView()
        self.grid.setViewMode(QListView.ViewMode.IconMode)
        self.grid.setResizeMode(QListView.ResizeMode.Adjust)
        self.grid.setMovement(QListView.Movement.Static)
        self.grid.setUniformItemSizes(True)  # no per-item size queries: smooth with thousands of photos
        self.grid.setLayoutMode(QListView.LayoutMode.Batched)
        self.grid.setBatchSize(200)
        self.grid.setIconSize(QSize(96, 96))
        self.grid.setGridSize(QSize(120, 128))
        self.grid.setWordWrap(True)
        self.grid.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.grid.setModel(self.model)

        self.rule_box = QComboBox()
        self.rule_box.addItem("IMM rule: photo 6 is the test photo", "imm")
        self.rule_box.addItem("Random: N test photos per person", "random")
        self.rule_box.setToolTip("The reference study tested each person with their photo number 6 and trained on 1–5.")
        self.n_test = QSpinBox()
        self.n_test.setRange(1, 50)
        self.n_test.setToolTip("How many photos of each person are kept clean to test with (random rule).")
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.seed.setToolTip("The same seed always gives the same random split.")
        rule = str(self.settings.value("split/rule", "imm"))
        self.set_rule(rule, int(self.settings.value("split/seed", 0)))
        self.rule_box.currentIndexChanged.connect(self._resplit)
        self.n_test.valueChanged.connect(self._resplit)
        self.seed.valueChanged.connect(self._resplit)
        split_form = QFormLayout()
        split_form.addRow("Rule", self.rule_box)
        split_form.addRow("Test photos (N)", self.n_test)
        split_form.addRow("Seed", self.seed)
        self.split_summary = QLabel()
        self.split_summary.setWordWrap(True)
        split_form.addRow(self.split_summary)
        split_group = QGroupBox("Split into training and test photos")
        split_group.setLayout(split_form)

        self.problems = QListWidget()
        self.problems.setToolTip("Photos that cannot be used and people left out, each with the reason.")
        self.problems.setWordWrap(True)
        problems_group = QGroupBox("Not used")
        problems_layout = QVBoxLayout(problems_group)
        problems_layout.addWidget(self.problems)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("People"))
        side_layout.addWidget(self.people, 2)
        side_layout.addWidget(split_group)
        side_layout.addWidget(problems_group, 1)

        splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(self.grid)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([330, 950])

        self.progress = ProgressPanel()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.progress)

    # ---- opening ----------------------------------------------------------------------------------
    def choose_folder(self) -> None:
        start = str(self.settings.value("dirs/dataset", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of face photos", start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> Task:
        folder = Path(folder)

        def open_in_worker(job):  # the import too: numpy and Pillow load off the GUI thread
            from core.datasets import open_dataset
            return open_dataset(folder, job)

        return run_task(self, open_in_worker, f"opening the dataset {folder}", success=self.show_dataset, panel=self.progress,
                        advice="Choose a folder with face photos named like 01-6m.jpg, one sub-folder per person, "
                               "or a CSV file,person.")

    def show_dataset(self, dataset) -> None:
        self.dataset = dataset
        self.folder_label.setText(f"<b>{dataset.root}</b> · {len(dataset.photos)} photos · layout: {dataset.layout}")
        self.settings.setValue("dataset/last", str(dataset.root))
        self.settings.setValue("dirs/dataset", str(dataset.root.parent))
        self._resplit()

    def download_imm(self) -> Task:
        url = self.settings.value("download/imm_url")  # overridable, e.g. a mirror; else DTU's address
        target = self.window.data_dir / "datasets"

        def download(job):
            from core.download import IMM_URL, download_imm
            return download_imm(target, job, str(url or IMM_URL))

        return run_task(self, download, "downloading the IMM database", success=self.open_folder, panel=self.progress,
                        note=lambda text: self.window.statusBar().showMessage(text))

    # ---- split ------------------------------------------------------------------------------------
    def rule(self) -> tuple[str, int]:
        rule = "imm" if self.rule_box.currentData() == "imm" else f"random:{self.n_test.value()}"
        return rule, self.seed.value()

    def set_rule(self, rule: str, seed: int | None) -> None:
        blockers = [w.blockSignals(True) for w in (self.rule_box, self.n_test, self.seed)]
        self.rule_box.setCurrentIndex(0 if rule == "imm" else 1)
        if rule.startswith("random:"):
            self.n_test.setValue(int(rule.split(":", 1)[1]))
        self.seed.setValue(seed or 0)
        for w, blocked in zip((self.rule_box, self.n_test, self.seed), blockers):
            w.blockSignals(blocked)
        self._enable_rule_fields()

    def _enable_rule_fields(self) -> None:
        random_rule = self.rule_box.currentData() == "random"
        self.n_test.setEnabled(random_rule)
        self.seed.setEnabled(random_rule or self.strangers > 0)  # the seed also chooses the strangers

    def _resplit(self) -> None:
        from core.split import make_split

        self._enable_rule_fields()
        rule, seed = self.rule()
        self.settings.setValue("split/rule", rule)
        self.settings.setValue("split/seed", seed)
        if self.dataset is None:
            return
        problem = ""
        try:
            self.split = make_split(self.dataset, rule, seed, self.strangers)
        except ValueError as exc:  # more strangers than people
            self.split, problem = make_split(self.dataset, rule, seed), f" No strangers held out: {exc}"
        self._show_people()
        self._show_problems()
        held_out = (f"; {len(self.split.strangers)} held out as Fawkes targets, strangers to the recognizer (purple): "
                    f"{', '.join(self.split.strangers)}") if self.split.strangers else ""
        self.split_summary.setText(f"{len(self.split.people)} people: {self.split.training_photos} training photos (blue), "
                                   f"{self.split.test_photos} test photos (orange); {len(self.split.left_out)} left out"
                                   f"{held_out}.{problem}")
        self.split_changed.emit(self.dataset, self.split)

    def set_strangers(self, count: int) -> None:
        """Hold ``count`` people out as 0.3.1 targets, chosen with the split's seed as the study chooses them."""
        if count != self.strangers:
            self.strangers = count
            self._resplit()

    def _show_people(self) -> None:
        current = self.people.currentRow()
        self.people.blockSignals(True)
        self.people.clear()
        people = self.dataset.people()
        self.people.addItem(f"Everyone ({len(self.dataset.photos)} photos)")
        strangers = set(self.split.strangers) if self.split else set()
        for person, photos in sorted(people.items()):
            self.people.addItem(f"{person} — {len(photos)} photos" + (" · stranger (Fawkes target)" if person in strangers else ""))
        for person in sorted(self.dataset.set_aside):
            self.people.addItem(f"{person} — set aside")
        self.people.setCurrentRow(current if 0 <= current < self.people.count() else 0)
        self.people.blockSignals(False)
        self._show_photos()

    def _show_photos(self) -> None:
        if self.dataset is None:
            return
        row = self.people.currentRow()
        photos = self.dataset.photos
        if row > 0:
            person = self.people.item(row).text().split(" — ")[0]
            photos = [p for p in photos if p.person == person]
        role_of = {f: role for role, groups in (("train", self.split.train), ("test", self.split.test))
                   for files in groups.values() for f in files}
        strangers = set(self.split.strangers)
        roles = {str(p.path): "stranger" if p.person in strangers else role_of.get(self.dataset.relative(p.path)) for p in photos}
        self.model.show(photos, roles)

    def _show_problems(self) -> None:
        self.problems.clear()
        for problem in self.dataset.problems:
            self.problems.addItem(str(problem))
        for person, reason in sorted(self.split.left_out.items()):
            self.problems.addItem(f"person {person}: {reason}")
        if not self.problems.count():
            self.problems.addItem("Every photo can be used.")

    def save_settings(self) -> None:
        rule, seed = self.rule()
        self.settings.setValue("split/rule", rule)
        self.settings.setValue("split/seed", seed)
