"""The patients a search found, as a table: number, name, phone, birth date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, QObject, Qt, QTime

from receptionist.ops.patients import PatientRow
from receptionist.patients.phones import display_phone

from ..rowsmodel import RowsModel

ID_ROLE = Qt.ItemDataRole.UserRole + 1
# Unambiguous in every locale: the month by name, the year in full ("5 Apr 2017"). A
# locale's short format can read "5 04 17" (5 April or 4 May? which century?).
DATE_FORMAT = "d MMM yyyy"
DATETIME_FORMAT = "d MMM yyyy HH:mm"


def short_date(value: date | None) -> str:
    """``value`` as "5 Apr 2017", with the month named in the user's language."""
    if value is None:
        return ""
    day = QDate(value.year, value.month, value.day)
    return str(QLocale().toString(day, DATE_FORMAT))


def parse_date(text: str) -> date | None:
    """A date typed as :func:`short_date` shows it ("5 Apr 2017"), in the locale's short
    format, or as ISO ("2017-04-05"); None for anything else."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    locale = QLocale()
    for form in (DATE_FORMAT, locale.dateFormat(QLocale.FormatType.ShortFormat)):
        day = locale.toDate(text, form)
        if day.isValid():
            return date(day.year(), day.month(), day.day())
    return None


def short_datetime(at: datetime, tz: ZoneInfo) -> str:
    """``at`` as the clinic's wall-clock time: "5 Apr 2017 14:30"."""
    local = at.astimezone(tz)
    day, time = QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)
    return str(QLocale().toString(QDateTime(day, time), DATETIME_FORMAT))


class PatientTableModel(RowsModel[PatientRow]):
    """Rows of ``PatientRow``; ``ID_ROLE`` gives a row's patient id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.region = "ZZ"  # the clinic's phone region: its numbers show in national form
        self._headers = (self.tr("Number"), self.tr("Name"), self.tr("Phone"), self.tr("Born"))

    def role_data(self, row: PatientRow, column: int, role: int) -> Any:
        return row.id if role == ID_ROLE else None

    def cell(self, row: PatientRow, column: int) -> str:
        phone = display_phone(row.phone, self.region)
        values = (row.number, row.display_name, phone, short_date(row.birth_date))
        return values[column] if 0 <= column < len(values) else ""
