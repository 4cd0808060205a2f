"""Waitlist entries as a table: patient, service, provider, dates, times, priority, note."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QCoreApplication, QLocale, QObject, Qt
from PySide6.QtGui import QColor

from receptionist.schedule.waitlist import WEEKDAYS, WaitlistRow

from ..coretext import patient_name
from ..patients.table import short_date
from ..rowsmodel import RowsModel

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


class WaitlistModel(RowsModel[WaitlistRow]):
    """Rows of ``WaitlistRow``; ``ID_ROLE`` gives the entry id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._headers = (
            self.tr("Patient"),
            self.tr("Service"),
            self.tr("Provider"),
            self.tr("Dates"),
            self.tr("Times"),
            self.tr("Priority"),
            self.tr("Note"),
        )

    def role_data(self, row: WaitlistRow, column: int, role: int) -> Any:
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and row.priority >= 2:
            return URGENT
        return None

    def cell(self, row: WaitlistRow, column: int) -> str:
        if column == 2:
            return row.provider_name or self.tr("Any provider")
        if column == 3:
            return date_range(row.earliest_date, row.latest_date)
        if column == 4:
            return self._times(row)
        if column == 5:
            return priority_label(row.priority)
        values = (patient_name(row.patient_name), row.service_name, "", "", "", "", row.note)
        return values[column] if 0 <= column < len(values) else ""

    def _times(self, row: WaitlistRow) -> str:
        parts = [part_of_day_label(p) for p in row.times_of_day]
        days = [weekday_label(d) for d in row.weekdays]
        text = ", ".join(parts) or self.tr("Any time")
        return f"{text} · {' '.join(days)}" if days else text
