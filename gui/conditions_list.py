"""The Cloaking tab's "Conditions in the study": the ticked list of training-photo sets the study enrols, with
imported cloaks, the original Fawkes as a condition, and what-if presets added to the selected condition."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFileDialog, QGroupBox, QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout)

from core.conditions import condition_label, parse_spec
from core.sample import first_run_conditions

from .what_if import WhatIfPanel


class ConditionsPanel(QGroupBox):
    """The list and its buttons; ``look_button`` and ``external_button`` are wired by the tab (they need its job
    and its mode)."""

    def __init__(self, window):
        super().__init__("Conditions in the study")
        self.window = window
        self.settings = window.settings
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
        look_button.setToolTip("Show the selected condition's training photos next to their cloaks (or double-click "
                               "it in the list). Cloaks not made yet are made only if you say so.")
        self.external_command = QLineEdit(str(self.settings.value("cloak/external_command", "")))
        self.external_command.setPlaceholderText("the original Fawkes program, e.g. /opt/fawkes/bin/fawkes")
        self.external_command.setToolTip("Where you have the original Fawkes (it needs Python 3.8 or older), "
                                         "the app runs it on the training photos and imports what it writes.")
        self.external_button = external_button = QPushButton("Add original Fawkes")
        external_button.setToolTip("Run the original program with the chosen mode as one more condition.")
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
        self.setLayout(conditions_layout)

    def restore(self) -> None:
        # the first launch's: clean, real Fawkes min and high, ours
        conditions = self.settings.value("study/conditions", "\n".join(first_run_conditions()))
        self.set_conditions(conditions.split("\n") if isinstance(conditions, str) else list(conditions))

    def save_settings(self) -> None:
        self.settings.setValue("cloak/external_command", self.external_command.text())
        self.settings.setValue("study/conditions", "\n".join(self.all_conditions()))

    def external_option(self) -> str:
        """The original Fawkes program's command, or "" when none is set."""
        return self.external_command.text().strip()

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
        item = self.conditions_list.currentItem()
        if item is None:
            self.window.statusBar().showMessage("Select a condition in the list first, then add the what-if to it.")
            return
        spec = item.data(Qt.ItemDataRole.UserRole) + modifier
        try:
            parse_spec(spec)
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


def describe_condition(spec: str) -> str:
    """The list's words for ``spec``: ``ConditionSpec.label``."""
    return condition_label(spec)
