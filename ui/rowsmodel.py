"""A read-only table of frozen rows: the shared base of the app's table models.

A subclass names its columns in ``_headers`` and says how a row is shown: ``cell`` gives
the text of a cell (display and accessible text), ``role_data`` any other role (an id
role, a background, a tooltip, ...). Cell texts and tooltips are shown through
``receptionist.freetext.printable``: a control character or a direction override in
stored text (saved before they were refused) is drawn as a visible escape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from receptionist.freetext import printable

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")

TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


class RowsModel(QAbstractTableModel, Generic[T]):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []
        self._headers: tuple[str, ...] = ()

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[T]:
        return list(self._rows)

    def row_at(self, row: int) -> T:
        return self._rows[row]

    def cell(self, row: T, column: int) -> str:
        """The text of ``column`` for ``row``."""
        raise NotImplementedError

    def role_data(self, row: T, column: int, role: int) -> Any:
        """What ``row`` gives for a role other than the text roles; None by default."""
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role in TEXT_ROLES:
            return printable(self.cell(row, index.column()))
        value = self.role_data(row, index.column(), role)
        if role == Qt.ItemDataRole.ToolTipRole and isinstance(value, str):
            return printable(value)
        return value

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None


def rows_table(
    parent: QWidget,
    model: QAbstractItemModel,
    accessible: str,
    *,
    name: str = "",
    stretch_column: int | None = None,
) -> QTableView:
    """A read-only table of whole rows, one at a time, keyboard-friendly (Tab leaves it).

    Columns fit their contents; ``stretch_column`` (or else the last) takes the rest.
    """
    table = QTableView(parent)
    if name:
        table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch_column is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table
