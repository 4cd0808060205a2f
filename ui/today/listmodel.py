"""Waitlist entries as a table: patient, service, provider, dates, times, priority, note."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QColor

from receptionist.waitlist import WEEKDAYS, WaitlistRow

from ..patients.table import short_date

Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1
URGENT = QColor("#b42318")


def priority_label(priority: int) -> str:
    labels = {
        0: QCoreApplication.translate("waitlist", "Normal"),
        1: QCoreApplication.translate("waitlist", "Soon"),
        2: QCoreApplication.translate("waitlist", "Urgent"),
    }
    return labels.get(priority, str(priority))


def part_of_day_label(part: str) -> str:
    labels = {
        "morning": QCoreApplication.translate("waitlist", "Morning"),
        "afternoon": QCoreApplication.translate("waitlist", "Afternoon"),
        "evening": QCoreApplication.translate("waitlist", "Evening"),
    }
    return labels.get(part, part)


def weekday_label(key: str) -> str:
    """ "mon" .. "sun" as the user's locale shortens them."""
    if key not in WEEKDAYS:
        return key
    return str(QLocale().dayName(WEEKDAYS.index(key) + 1, QLocale.FormatType.ShortFormat))


def date_range(first: date | None, last: date | None) -> str:
    if first is None and last is None:
        return QCoreApplication.translate("waitlist", "Any date")
    if last is None:
        return QCoreApplication.translate("waitlist", "From {0}").format(short_date(first))
    if first is None:
        return QCoreApplication.translate("waitlist", "Until {0}").format(short_date(last))
    return f"{short_date(first)} – {short_date(last)}"


class WaitlistModel(QAbstractTableModel):
    """Rows of ``WaitlistRow``; ``ID_ROLE`` gives the entry id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[WaitlistRow] = []
        self._headers = (
            self.tr("Patient"),
            self.tr("Service"),
            self.tr("Provider"),
            self.tr("Dates"),
            self.tr("Times"),
            self.tr("Priority"),
            self.tr("Note"),
        )

    def set_rows(self, rows: Sequence[WaitlistRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list[WaitlistRow]:
        return list(self._rows)

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
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 5 and row.priority >= 2:
            return URGENT
        return None

    def _cell(self, row: WaitlistRow, column: int) -> str:
        if column == 2:
            return row.provider_name or self.tr("Any provider")
        if column == 3:
            return date_range(row.earliest_date, row.latest_date)
        if column == 4:
            return self._times(row)
        if column == 5:
            return priority_label(row.priority)
        values = (row.patient_name, row.service_name, "", "", "", "", row.note)
        return values[column] if 0 <= column < len(values) else ""

    def _times(self, row: WaitlistRow) -> str:
        parts = [part_of_day_label(p) for p in row.times_of_day]
        days = [weekday_label(d) for d in row.weekdays]
        text = ", ".join(parts) or self.tr("Any time")
        return f"{text} · {' '.join(days)}" if days else text

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self._headers[section]
        return None
