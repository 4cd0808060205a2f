"""A list model of settings rows (providers, rooms, services, staff, time off).

It holds frozen rows handed over from the worker; ``label`` and ``colour`` say how a
row is shown, and an inactive row is greyed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from receptionist.freetext import printable

Index = QModelIndex | QPersistentModelIndex
IdRole = Qt.ItemDataRole.UserRole + 1


class RowModel(QAbstractListModel):
    def __init__(
        self,
        label: Callable[[Any], str],
        colour: Callable[[Any], str | None] = lambda _row: None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._label, self._colour = label, colour
        self.rows: list[Any] = []

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return printable(self._label(row))
        if role == IdRole:
            return row.id
        if role == Qt.ItemDataRole.DecorationRole:
            code = self._colour(row)
            return QColor(code) if code else None
        if role == Qt.ItemDataRole.ForegroundRole and not getattr(row, "active", True):
            return QColor("#8a94a3")
        return None

    def row_of(self, row_id: str | None) -> int:
        """The position of the row with this id, or -1."""
        return next((i for i, r in enumerate(self.rows) if r.id == row_id), -1)
