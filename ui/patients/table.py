"""The patients a search found, as a table: number, name, phone, birth date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTime,
)

from receptionist.search import PatientRow

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def short_date(value: date | None) -> str:
    if value is None:
        return ""
    day = QDate(value.year, value.month, value.day)
    return str(QLocale().toString(day, QLocale.FormatType.ShortFormat))


def short_datetime(at: datetime, tz: ZoneInfo) -> str:
    """``at`` as the clinic's wall-clock time, in the user's short date format."""
    local = at.astimezone(tz)
    day, time = QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)
    return str(QLocale().toString(QDateTime(day, time), QLocale.FormatType.ShortFormat))


class PatientTableModel(QAbstractTableModel):
    """Rows of ``PatientRow``; ``ID_ROLE`` gives a row's patient id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[PatientRow] = []
        self._headers = (self.tr("Number"), self.tr("Name"), self.tr("Phone"), self.tr("Born"))

    def set_rows(self, rows: Sequence[PatientRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> PatientRow:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == ID_ROLE:
            return row.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._cell(row, index.column())
        return None

    def _cell(self, row: PatientRow, column: int) -> str:
        values = (row.number, row.display_name, row.phone or "", short_date(row.birth_date))
        return values[column] if 0 <= column < len(values) else ""

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None
