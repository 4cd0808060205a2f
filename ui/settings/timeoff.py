"""A provider's time off: the coming blocks in a list, and a row to add one.

Adding and removing take effect at once (each one audited by the core); times are
picked in the clinic's time zone: a date (a calendar pops up) and a time, in the
clinic's slot steps, for each end, shown in this PC's date format.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QTimeEdit,
    QWidget,
)

from .. import messages
from ..desk import Desk
from ..tasks import DbOp
from .data import Block, Saved, Snapshot, add_time_off, remove_time_off
from .rows import RowModel

DAY_FORMAT = "ddd d MMM yyyy"  # the day's and month's names in this PC's language
TIME_FORMAT = "HH:mm"
LIST_FORMAT = "ddd d MMM yyyy HH:mm"
LIST_LINES = 3  # a longer list scrolls: the page must fit the dialog's first size


def _qt(value: datetime) -> QDateTime:
    d, t = value.date(), value.time()
    return QDateTime(QDate(d.year, d.month, d.day), QTime(t.hour, t.minute))


def _py(value: QDateTime) -> datetime:
    """The wall time shown (naive: the clinic's zone is applied by the core)."""
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


class When(QWidget):
    """One end of a time off: a date with a calendar, and a time in the clinic's steps."""

    def __init__(self, name: str, accessible: str, step: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.day = QDateEdit(self)
        self.day.setObjectName(f"{name}Day")
        self.day.setAccessibleName(self.tr("{0}: date").format(accessible))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat(DAY_FORMAT)
        self.time = QTimeEdit(self)
        self.time.setObjectName(f"{name}Time")
        self.time.setAccessibleName(self.tr("{0}: time").format(accessible))
        self.time.setDisplayFormat(TIME_FORMAT)
        self.step = step
        self.time.editingFinished.connect(self._to_step)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.day, 3)
        row.addWidget(self.time, 2)

    def _to_step(self) -> None:
        """A typed 10:07 becomes the slot it falls in (10:00 with 15-minute slots)."""
        t = self.time.time()
        minutes = t.hour() * 60 + t.minute()
        minutes -= minutes % self.step
        self.time.setTime(QTime(minutes // 60, minutes % 60))

    def dateTime(self) -> QDateTime:
        return QDateTime(self.day.date(), self.time.time())

    def setDateTime(self, value: QDateTime) -> None:
        self.day.setDate(value.date())
        self.time.setTime(value.time())


class TimeOffBox(QGroupBox):
    saved = Signal(object)  # Snapshot

    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Time off"))
        self.setObjectName("timeOffBox")
        self.desk, self.editable = desk, editable
        self.provider_id: str | None = None
        self.model = RowModel(self._label, parent=self)
        self.view = QListView(self)
        self.view.setObjectName("timeOffList")
        self.view.setAccessibleName(self.tr("Coming time off"))
        self.view.setModel(self.model)
        line = self.view.fontMetrics().height() + 4
        self.view.setFixedHeight(line * LIST_LINES + 2 * self.view.frameWidth() + 2)
        self.start = When("timeOffStart", self.tr("Time off from"), self._step(), self)
        self.end = When("timeOffEnd", self.tr("Time off until"), self._step(), self)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("timeOffReason")
        self.reason.setAccessibleName(self.tr("Reason for the time off"))
        self.reason.setPlaceholderText(self.tr("Reason (optional)"))
        self.add = QPushButton(self.tr("A&dd time off"), self)
        self.add.setObjectName("addTimeOff")
        self.remove = QPushButton(self.tr("&Remove"), self)
        self.remove.setObjectName("removeTimeOff")
        for button in (self.add, self.remove):
            button.setAutoDefault(False)
        self.add.clicked.connect(self.add_block)
        self.remove.clicked.connect(self.remove_block)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(self.tr("Problem with the time off"))
        self.error.hide()
        self._lay_out()
        self.set_provider(None, ())

    def _step(self) -> int:
        return max(1, self.desk.clinic.slot_minutes)

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.view, 0, 0, 1, 4)
        grid.addWidget(self.remove, 0, 4, Qt.AlignmentFlag.AlignTop)
        for column, (caption, when) in enumerate(
            ((self.tr("Fro&m"), self.start), (self.tr("until"), self.end))
        ):
            label = QLabel(caption, self)
            label.setBuddy(when.day)
            grid.addWidget(label, 1, column * 2)
            grid.addWidget(when, 1, column * 2 + 1)
        grid.addWidget(self.reason, 2, 0, 1, 4)
        grid.addWidget(self.add, 2, 4)
        grid.addWidget(self.error, 3, 0, 1, 5)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _label(self, block: Block) -> str:
        tz, locale = self.desk.clinic.tz, QLocale()
        start, end = (_qt(t.astimezone(tz)) for t in (block.start_utc, block.end_utc))
        text = self.tr("{0} – {1}").format(
            locale.toString(start, LIST_FORMAT), locale.toString(end, LIST_FORMAT)
        )
        return self.tr("{0} · {1}").format(text, block.reason) if block.reason else text

    def set_provider(self, provider_id: str | None, blocks: Any) -> None:
        """Show ``provider_id``'s time off (None: a provider not saved yet)."""
        changed = provider_id != self.provider_id
        self.provider_id = provider_id
        self.model.set_rows([b for b in blocks if b.provider_id == provider_id])
        can = self.editable and provider_id is not None
        for widget in (self.start, self.end, self.reason, self.add, self.remove):
            widget.setEnabled(can)
        if changed:
            self.error.hide()
            self._default_times()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.set_provider(self.provider_id, snapshot.time_off)

    def _default_times(self) -> None:
        """Tomorrow, the whole day."""
        day = self.desk.today() + timedelta(days=1)
        self.start.setDateTime(_qt(datetime.combine(day, time())))
        self.end.setDateTime(_qt(datetime.combine(day + timedelta(days=1), time())))

    def add_block(self) -> None:
        if self.provider_id is None or not self.editable:
            return
        self.error.hide()
        pid, ctx = self.provider_id, self.desk.ctx()
        start, end = _py(self.start.dateTime()), _py(self.end.dateTime())
        reason = self.reason.text()

        def write(db: Any) -> Saved:  # wall times: the core applies the clinic's zone
            return add_time_off(db, ctx, pid, start, end, reason)

        op = DbOp(self.desk.tasks, write, self)
        op.success(self._added).failure(self._failed).run()

    def _added(self, result: Saved) -> None:
        self.reason.clear()
        self.saved.emit(result.snapshot)

    def remove_block(self) -> None:
        at = self.view.currentIndex().row()
        if not self.editable or not 0 <= at < len(self.model.rows):
            return
        block_id, ctx = self.model.rows[at].id, self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: remove_time_off(db, ctx, block_id), self)
        op.success(self.saved.emit).failure(self._failed).run()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(messages.user_text(exc))
        self.error.show()
