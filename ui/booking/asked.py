"""The day and the "from" time the receptionist asks about ("next Tuesday afternoon?"),
and the service list's labels with their lengths."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication, QDate, QTime, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QTimeEdit, QWidget

from receptionist.freetext import printable
from receptionist.ops.catalog import Choice


def service_label(choice: Choice) -> str:
    """ "Cleaning (45 min)": the length shows in the list."""
    name = printable(choice.name, lines=False)
    if choice.minutes is None:
        return name
    return QCoreApplication.translate("booking", "{0} ({1} min)").format(name, choice.minutes)


class DayEdit(QDateEdit):
    """Tab leaves the field (a date edit's Tab otherwise walks its day, month and
    year first); the arrow keys and typing still move between them."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class TimeEdit(QTimeEdit):
    """Tab leaves the field, as in :class:`DayEdit`."""

    def focusNextPrevChild(self, next: bool) -> bool:
        return QWidget.focusNextPrevChild(self, next)


class AskedTime(QWidget):
    """A date and a "from" time; ``changed`` carries them as one aware datetime."""

    changed = Signal(object)  # datetime, in the clinic's zone

    def __init__(self, tz: ZoneInfo, start: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("askedTime")
        self.tz = tz
        local = start.astimezone(tz)
        self.day = DayEdit(QDate(local.year, local.month, local.day), self)
        self.day.setObjectName("bookingDate")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd d MMM yyyy")
        self.day.setAccessibleName(self.tr("Date"))
        self.day.setToolTip(self.tr("Free times from this day on; F4 opens the calendar"))
        self.time = TimeEdit(QTime(local.hour, local.minute), self)
        self.time.setObjectName("bookingFromTime")
        self.time.setDisplayFormat("HH:mm")
        self.time.setAccessibleName(self.tr("From"))
        caption = QLabel(self.tr("&from"), self)
        caption.setBuddy(self.time)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.day)
        row.addWidget(caption)
        row.addWidget(self.time)
        row.addStretch(1)
        self.day.dateChanged.connect(lambda _d: self._emit())
        self.time.timeChanged.connect(lambda _t: self._emit())

    def value(self) -> datetime:
        d, t = self.day.date(), self.time.time()
        return datetime.combine(
            date(d.year(), d.month(), d.day()), time(t.hour(), t.minute()), tzinfo=self.tz
        )

    def _emit(self) -> None:
        self.changed.emit(self.value())
