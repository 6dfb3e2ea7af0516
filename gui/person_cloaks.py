"""The cloaks behind a row of the Results tab: that person's training photos under that row's condition, each
beside its cloak (and the photo as enrolled, under a what-if), in a window of their own. Where the photos are is
read from the study folder by core (``core.condition_photos``); this window only shows them."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QVBoxLayout, QWidget

from .cloak_results_table import CloakResultsTable
from .conditions_list import describe_condition
from .errors import show_error
from .worker import Task, run_task


class PersonCloaksWindow(QWidget):
    """A table of the person's photos above the viewer; "Enlarge" fills the screen with the pictures."""

    def __init__(self, tab, root):
        super().__init__(tab, Qt.WindowType.Window)
        self.setObjectName("personCloaksWindow")
        self.photos: list = []  # core.condition_photos.ConditionPhoto
        self.results = CloakResultsTable(tab.window, self._as_enrolled, root=root)
        self.table, self.viewer = self.results.table, self.results.viewer
        self.viewer.enlarge_toggled.connect(lambda on: self.showMaximized() if on else self.showNormal())
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.results, 1)
        self.resize(1180, 760)

    def show_photos(self, person: str, condition: str, photos: list) -> None:
        self.photos = list(photos)
        words = describe_condition(condition)
        self.setWindowTitle(f"{person} — {words}")
        self.heading.setText(f"<b>{person}</b>'s training photos under <b>{words}</b>, as the study enrolled them: "
                             f"{len(self.photos)} photo{'s' if len(self.photos) != 1 else ''}. Left and right arrow keys "
                             "step through them.")
        self.results.show_reports([p.report for p in self.photos])
        if self.photos:
            self.table.selectRow(0)

    def _as_enrolled(self, report):
        """The file the study enrolled, when a what-if changed the photo (read as it is, not made again)."""
        photo = next((p for p in self.photos if p.report is report), None)
        if photo is None or photo.enrolled is None:
            return None
        enrolled, words = photo.enrolled, photo.steps

        def load():
            from core.images import load_rgb
            return load_rgb(enrolled), words

        return load


def look_at_row(tab, index) -> Task | None:
    """Open the person's photos under the condition of the Results table's row at ``index`` (of the view)."""
    if not index.isValid() or tab.study_dir is None:
        tab.window.statusBar().showMessage("Choose a row of the table first: its person's cloaks are shown.")
        return None
    row = tab.model.rows[tab.filter.mapToSource(index).row()]
    study_dir, root = tab.study_dir, tab.model.root

    def find(job):
        from core.condition_photos import measure, study_photos
        photos = study_photos(study_dir, row.condition, row.person)
        measure(photos, job)  # imported cloaks were never measured by the study
        return photos

    def found(photos: list) -> None:
        window = getattr(tab, "person_cloaks", None)
        if window is None:
            window = tab.person_cloaks = PersonCloaksWindow(tab, root)
        window.show_photos(row.person, row.condition, photos)
        window.show()
        window.raise_()
        tab.window.statusBar().showMessage(f"{row.person}'s training photos under {row.condition}: {len(photos)}.")

    def not_found(exc: BaseException) -> None:
        if isinstance(exc, (FileNotFoundError, LookupError)):
            box = QMessageBox(QMessageBox.Icon.Information, "Fawkes Tracker", f"The cloaks of {row.person} cannot be shown.",
                              QMessageBox.StandardButton.Ok, tab)
            box.setObjectName("noCloaksDialog")
            box.setInformativeText(str(exc))
            box.open()
            tab.no_cloaks_dialog = box
        else:
            show_error(tab, f"looking for the cloaks of {row.person}", exc)

    tab.window.statusBar().showMessage(f"Looking for {row.person}'s training photos under {row.condition}…")
    return run_task(tab, find, f"looking for the cloaks of {row.person}", success=found, failure=not_found)
