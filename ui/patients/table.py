"""The patients a search found, as a table: number, name, phone, birth date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, QLocale, QObject, Qt, QTime
from PySide6.QtGui import QGuiApplication

from receptionist.ops.patients import PatientRow
from receptionist.patients import dates
from receptionist.patients.phones import display_phone

from ..coretext import patient_name
from ..rowsmodel import RowsModel

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _qt_form(form: str) -> str:
    """One of the core's birth-date forms (``receptionist.patients.dates.FORMS``) as a
    Qt date format: "D MMM YYYY" -> "d MMM yyyy"."""
    return form.replace("D", "d").replace("YYYY", "yyyy")


# Unambiguous in every locale: the month by name, the year in full ("5 Apr 2017"), the
# core's first form. A locale's short format can read "5 04 17" (5 April or 4 May?).
DATE_FORMAT = _qt_form(dates.FORMS[0])
DATETIME_FORMAT = f"{DATE_FORMAT} HH:mm"


def short_date(value: date | None) -> str:
    """``value`` as "5 Apr 2017", with the month named in the user's language."""
    if value is None:
        return ""
    day = QDate(value.year, value.month, value.day)
    return str(QLocale().toString(day, DATE_FORMAT))


def date_examples(day: date = dates.EXAMPLE) -> str:
    """The core's accepted forms, by example, in the user's language (the month by its
    name here): "23 Jul 1996, 23.07.1996, 1996-07-23"."""
    shown = QDate(day.year, day.month, day.day)
    return ", ".join(str(QLocale().toString(shown, _qt_form(f))) for f in dates.FORMS)


def parse_date(text: str) -> date | None:
    """A date typed in one of the core's forms (``dates.FORMS``), with the month named
    in the user's language or in English; None for anything else (the core then says
    which forms it takes)."""
    text = text.strip()
    if not text:
        return None
    locale = QLocale()
    for form in dates.FORMS:
        day = locale.toDate(text, _qt_form(form))
        if day.isValid():
            return date(day.year(), day.month(), day.day())
    return dates.read(text)


# Unicode's left-to-right isolate and its closing: a date in a right-to-left layout.
LRI, PDI = "\u2066", "\u2069"


def left_to_right(text: str) -> str:
    """``text`` kept reading left to right when the app is laid out right to left
    (Arabic): without the isolate "2 Mar 2026 09:00" shows as "Mar 2026 09:00 2".
    In a left-to-right layout the text is unchanged."""
    if QGuiApplication.layoutDirection() != Qt.LayoutDirection.RightToLeft or not text:
        return text
    return f"{LRI}{text}{PDI}"


def short_datetime(at: datetime, tz: ZoneInfo) -> str:
    """``at`` as the clinic's wall-clock time: "5 Apr 2017 14:30" (kept left to right
    in a right-to-left layout: every list's dates come from here)."""
    local = at.astimezone(tz)
    day, time = QDate(local.year, local.month, local.day), QTime(local.hour, local.minute)
    return left_to_right(str(QLocale().toString(QDateTime(day, time), DATETIME_FORMAT)))


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
        values = (row.number, patient_name(row.display_name), phone, short_date(row.birth_date))
        return values[column] if 0 <= column < len(values) else ""
