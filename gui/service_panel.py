"""One online service's settings panel, built from its catalogue entry (``core.catalogue``).

What every service needs is written once here: a field per secret (saved to the system keyring, never to the
settings file), how fast to call it, a plain note of what it costs and who receives the photos, "Test connection"
and the list of what interrupted runs left on the service, both run off the GUI thread. A service's own part
(Azure's tier and models, Amazon's region, Face++'s endpoint) is a small subclass in ``gui/service_panels.py``;
a service with no subclass still gets its secret fields and the note.
"""
from __future__ import annotations

import html
import os

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from core.catalogue import Tracker

from .errors import log, plain_reason
from .worker import Task, run_task



def wrapped(text: str = "", style: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if style:
        label.setStyleSheet(style)
    return label


def field_label(field: str) -> str:
    """ "api key" -> "API key", "access key id" -> "Access key ID": how the catalogue's field reads in a form."""
    words = [{"api": "API", "id": "ID"}.get(word, word) for word in field.split()]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


class ServicePanel(QWidget):
    """The settings of one online tracker. Subclasses fill in the service's own settings and its calls."""

    changed = Signal()  # something that decides whether the service is set up changed
    secret_options: dict[str, str] = {}  # catalogue credential field -> the recognizer's option for a typed one
    leftover_noun = "object"  # what one run leaves on the service: "group", "collection", "faceset"
    cost_words = ""  # what the service costs, in words
    pace: float | None = None  # calls a second by default; None where another setting paces the calls
    pace_tip = ""

    def __init__(self, entry: Tracker, settings):
        super().__init__()
        self.entry, self.settings = entry, settings
        self.service = entry.service or entry.name  # "Amazon Rekognition"
        self.title = self.service
        self.credentials = [c for c in entry.credentials if c.secret]
        self.secrets: dict[str, QLineEdit] = {}
        self.saved: dict[str, bool] = {}  # what the keyring (or memory) holds, once looked up
        self.generation = 0  # counts saves and forgets: a keyring answer asked for before one is out of date

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.add_settings(form)
        one = len(self.credentials) == 1
        noun = "key" if one else "keys"
        for credential in self.credentials:
            line = QLineEdit()
            line.setEchoMode(QLineEdit.EchoMode.Password)
            line.setPlaceholderText(f"paste it here, then Save {noun}")
            line.setToolTip("Kept in the system keyring, never in a file of ours. Typed but not saved, it is used "
                            "until you quit" + (f"; {credential.env} is used where it is set." if credential.env else "."))
            line.textChanged.connect(self.changed)
            self.secrets[credential.field] = line
        save, forget = QPushButton(f"Save {noun}"), QPushButton(f"Forget {noun}")
        save.clicked.connect(self.save_secrets)
        forget.clicked.connect(self.forget_secrets)
        buttons = QHBoxLayout()
        for credential in self.credentials:
            if one:
                buttons.addWidget(self.secrets[credential.field], 1)
            else:
                form.addRow(field_label(credential.field), self.secrets[credential.field])
        if self.credentials:
            buttons.addWidget(save)
            buttons.addWidget(forget)
            if not one:
                buttons.addStretch(1)
            form.addRow(field_label(self.credentials[0].field) if one else "", buttons)
        self.keyring_note = wrapped()
        form.addRow(self.keyring_note)
        if self.pace is not None:
            self.calls_per_second = QDoubleSpinBox()
            self.calls_per_second.setRange(0.05, 100.0)
            self.calls_per_second.setDecimals(2)
            self.calls_per_second.setSuffix(" calls a second")
            self.calls_per_second.setValue(float(self.settings.value(f"{entry.name}/calls_per_second", self.pace)))
            self.calls_per_second.setToolTip(self.pace_tip or "The app waits between calls so that the service does "
                                             "not refuse them; raise it only if your account allows more.")
            form.addRow("Pace", self.calls_per_second)
        self.add_extras(form)

        self.answer = wrapped()
        self.answer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.leftovers = QListWidget()
        self.leftovers.setMaximumHeight(80)
        if self.has_tools:
            test_button = QPushButton("Test connection")
            test_button.setToolTip(f"One call to {self.service} that uploads no photo: says plainly whether the "
                                   "settings work, and if not, why.")
            test_button.clicked.connect(self.test_connection)
            form.addRow(test_button, self.answer)
            find_button = QPushButton(f"Find {self.leftover_noun}s left by interrupted runs")
            find_button.setToolTip(f"Each run makes one {self.leftover_noun} on {self.service} and deletes it at the "
                                   "end; a crash can leave one behind, holding your photos' faces.")
            find_button.clicked.connect(self.find_leftovers)
            delete_button = QPushButton(f"Delete selected {self.leftover_noun}")
            delete_button.clicked.connect(self.delete_leftover)
            leftover_row = QHBoxLayout()
            leftover_row.addWidget(find_button)
            leftover_row.addWidget(delete_button)
            leftover_row.addStretch(1)
            form.addRow(leftover_row)
            form.addRow(self.leftovers)

        about = wrapped("<br>".join(f"<b>{head}</b> {html.escape(text)}" for head, text in (
            ("You need:", entry.settings_help), ("Cost:", self.cost_words),
            ("Your photos:", f"each run sends them to {entry.company}; the app deletes what it stored there when the "
                             "run ends." if entry.company else "")) if text), "color: #444;")
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addStretch(1)

    # ---- what a subclass adds ---------------------------------------------------------------------
    def add_settings(self, form: QFormLayout) -> None:
        """The service's ordinary settings, above the secrets (an endpoint, a region)."""

    def add_extras(self, form: QFormLayout) -> None:
        """Settings below the secrets (Azure's tier and models)."""

    def settings_options(self) -> dict:
        """The recognizer's non-secret options from this panel's widgets."""
        return {}

    def save_settings(self) -> None:
        if self.pace is not None:
            self.settings.setValue(f"{self.entry.name}/calls_per_second", self.calls_per_second.value())

    # The service's own calls, run in a worker thread with ``options()`` as captured on the GUI thread.
    def connection(self, options: dict) -> tuple[bool, str]:
        raise NotImplementedError

    def find(self, options: dict, job) -> list[tuple[str, str]]:
        """What interrupted runs left: (its id, its description in words)."""
        raise NotImplementedError

    def remove(self, options: dict, object_id: str, job) -> None:
        raise NotImplementedError

    @property
    def has_tools(self) -> bool:
        return type(self).connection is not ServicePanel.connection

    # ---- the recognizer's options ---------------------------------------------------------------------
    def options(self) -> dict:
        """Non-secret settings, the pace, and a secret typed but not saved: used for this run only, and only
        under an option name the study never writes (``SECRET_OPTIONS``)."""
        options = self.settings_options()
        if self.pace is not None:
            options["calls_per_second"] = self.calls_per_second.value()
        return options | self.typed_secrets()

    def typed_secrets(self) -> dict:
        """A secret typed but not saved, under its option name: a resumed study (whose file never holds one) is
        asked with it too."""
        typed = {option: self.secrets[field].text().strip() for field, option in self.secret_options.items()
                 if field in self.secrets}
        return {option: value for option, value in typed.items() if value}

    def is_set_up(self) -> bool:
        """Every secret typed, saved, or set in the environment (checked without asking the keyring again)."""
        return all(self.secrets[c.field].text().strip() or self.saved.get(c.field)
                   or (c.env and os.environ.get(c.env, "").strip()) for c in self.credentials)

    # ---- secrets in the keyring -----------------------------------------------------------------------
    def load(self, field: str) -> str | None:
        from core.recognizers.services.keys import load_secret

        return load_secret(self.service, field)

    def store(self, field: str, value: str) -> str:
        from core.recognizers.services.keys import save_secret

        return save_secret(self.service, field, value)

    def drop(self, field: str) -> str:
        from core.recognizers.services.keys import forget_secret

        return forget_secret(self.service, field)

    def saved_secrets(self) -> dict[str, bool]:
        """Which secrets the keyring holds: asked in a worker thread (the keyring may start a D-Bus session)."""
        return {c.field: self.load(c.field) is not None for c in self.credentials}

    def show_saved(self, available: bool, where: str, saved: dict[str, bool]) -> None:
        self.saved = dict(saved)
        one = len(self.credentials) == 1
        have = [field_label(f) for f, yes in saved.items() if yes]
        lacking = [field_label(f) for f, yes in saved.items() if not yes]
        if not lacking:
            state = " The key is saved." if one else " Both are saved." if len(have) == 2 else " All are saved."
        elif not have:
            state = " No key is saved yet." if one else " None is saved yet."
        else:
            state = f" Saved: {', '.join(have)}; not yet: {', '.join(lacking)}."
        env = [c.env for c in self.credentials if c.env and os.environ.get(c.env, "").strip()]
        if env:
            state += f" Set in this program's environment: {', '.join(env)}."
        what = "The key is" if one else "The keys are"
        if available:
            self.keyring_note.setText(f"{what} kept in {where}.{state}")
        else:
            self.keyring_note.setText(f"Note: {where}. {'A key' if one else 'Keys'} you enter {'is' if one else 'are'} "
                                      f"kept in memory until you quit, and you will need to enter "
                                      f"{'it' if one else 'them'} again next time.{state}")
        self.changed.emit()

    def save_secrets(self) -> None:
        typed = {field: line.text().strip() for field, line in self.secrets.items() if line.text().strip()}
        if not typed:
            self.keyring_note.setText("Paste the key first." if len(self.secrets) == 1 else "Paste the keys first.")
            return
        messages = []
        for field, value in typed.items():
            messages.append(self.store(field, value))
            self.saved[field] = True
            self.secrets[field].clear()
        self.generation += 1
        self.keyring_note.setText(" ".join(messages))
        self.changed.emit()

    def forget_secrets(self) -> None:
        messages = [self.drop(c.field) for c in self.credentials]
        self.saved = {c.field: False for c in self.credentials}
        self.generation += 1
        self.keyring_note.setText(" ".join(dict.fromkeys(messages)))
        self.changed.emit()

    # ---- test connection and leftovers, off the GUI thread ----------------------------------------------
    def _run(self, call, description: str, success) -> Task:
        def failed(exc: BaseException) -> None:
            log.warning("Problem while %s: %r", description, exc)
            self.answer.setText("✘ " + plain_reason(exc))

        return run_task(self, call, description, success=success, failure=failed)

    def test_connection(self) -> Task:
        options = self.options()
        self.answer.setText(f"Asking {self.service}…")
        return self._run(lambda job: self.connection(options), f"testing the {self.service} connection",
                         lambda result: self.answer.setText(("✔ " if result[0] else "✘ ") + result[1]))

    def find_leftovers(self) -> Task:
        options = self.options()
        return self._run(lambda job: self.find(options, job), f"listing leftover {self.service} {self.leftover_noun}s",
                         self._show_leftovers)

    def _show_leftovers(self, found: list[tuple[str, str]]) -> None:
        self.leftovers.clear()
        for object_id, words in found:
            item = QListWidgetItem(words)
            item.setData(Qt.ItemDataRole.UserRole, object_id)
            self.leftovers.addItem(item)
        if not found:
            self.answer.setText(f"No {self.leftover_noun}s were left behind.")

    def delete_leftover(self) -> Task | None:
        item = self.leftovers.currentItem()
        if item is None:
            self.answer.setText(f"Choose a {self.leftover_noun} in the list first.")
            return None
        options, object_id = self.options(), item.data(Qt.ItemDataRole.UserRole)

        def gone(_) -> None:
            row = next((i for i in range(self.leftovers.count())
                        if self.leftovers.item(i).data(Qt.ItemDataRole.UserRole) == object_id), None)
            if row is not None:
                self.leftovers.takeItem(row)
            self.answer.setText(f"Deleted the {self.leftover_noun} {object_id}.")

        return self._run(lambda job: self.remove(options, object_id, job),
                         f"deleting the {self.service} {self.leftover_noun} {object_id}", gone)
