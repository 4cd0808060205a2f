"""The patients a search found, as a table: number, name, phone, birth date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, QObject, Qt, QTime

from receptionist.search import PatientRow

from ..rowsmodel import RowsModel

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


class PatientTableModel(RowsModel[PatientRow]):
    """Rows of ``PatientRow``; ``ID_ROLE`` gives a row's patient id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = (self.tr("Number"), self.tr("Name"), self.tr("Phone"), self.tr("Born"))

    def role_data(self, row: PatientRow, column: int, role: int) -> Any:
        return row.id if role == ID_ROLE else None

    def cell(self, row: PatientRow, column: int) -> str:
        values = (row.number, row.display_name, row.phone or "", short_date(row.birth_date))
        return values[column] if 0 <= column < len(values) else ""
