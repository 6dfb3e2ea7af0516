"""The Results tab's table per test photo: the row model (with thumbnails from the shared cache) and the filter
that combines free text with exact outcome and condition choices."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

COLUMNS = ["Photo", "Person", "Predicted", "Outcome", "Confidence", "Condition", "Recognizer", "Judged", "File"]
FIELDS = [None, "person", "predicted", "outcome", "confidence", "condition", "recognizer", "judged", "file"]
ALL = "(all)"


class RowModel(QAbstractTableModel):
    """One line per test photo and condition; the photo's thumbnail comes from the shared cache."""

    def __init__(self, thumbnails, parent=None):
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.rows: list = []  # core.results.ResultRow
        self.root: Path | None = None
        self._rows_of_path: dict[str, list[int]] = {}
        thumbnails.ready.connect(self._thumbnail_ready)

    def set_rows(self, rows: list, root: Path | None) -> None:
        self.beginResetModel()
        self.rows, self.root = list(rows), root
        self._rows_of_path = {}
        for i, row in enumerate(self.rows):
            self._index_row(i, row)
        self.endResetModel()

    def _index_row(self, i: int, row) -> None:
        if self.root is not None:
            self._rows_of_path.setdefault(str(self.root / row.file), []).append(i)

    def append(self, row) -> None:
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows))
        self.rows.append(row)
        self._index_row(len(self.rows) - 1, row)
        self.endInsertRows()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        row, field = self.rows[index.row()], FIELDS[index.column()]
        if field is None:
            if role == Qt.ItemDataRole.DecorationRole and self.root is not None:
                return self.thumbnails.get(self.root / row.file)
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.file
            return None
        value = getattr(row, field)
        if role == Qt.ItemDataRole.DisplayRole:
            if field == "confidence":
                return "" if value is None else f"{value:.3f}"
            return value
        if role == Qt.ItemDataRole.UserRole:  # what sorting compares
            return -1.0 if field == "confidence" and value is None else value
        if role == Qt.ItemDataRole.ToolTipRole and field == "outcome":
            return row.reason or value
        if role == Qt.ItemDataRole.ToolTipRole and field == "judged":
            return {"white-box": "Judged by a network the cloak was made against: overstates protection.",
                    "black-box": "Judged by a network the cloak was not made against.",
                    "clean": "No cloak."}.get(value, value)
        if role == Qt.ItemDataRole.TextAlignmentRole and field == "confidence":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _thumbnail_ready(self, path: str) -> None:
        for i in self._rows_of_path.get(path, []):
            index = self.index(i, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


class RowFilter(QSortFilterProxyModel):
    """Free text over every column, plus exact outcome and condition choices."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.outcome = ALL
        self.condition = ALL
        self.setSortRole(Qt.ItemDataRole.UserRole)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)

    def set_choices(self, outcome: str, condition: str) -> None:
        self.outcome, self.condition = outcome, condition
        self.invalidateFilter()

    def filterAcceptsRow(self, source_row, source_parent) -> bool:
        row = self.sourceModel().rows[source_row]
        if self.outcome != ALL and row.outcome != self.outcome:
            return False
        if self.condition != ALL and row.condition != self.condition:
            return False
        return super().filterAcceptsRow(source_row, source_parent)
