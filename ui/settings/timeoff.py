"""A provider's time off: the coming blocks in a list, and a row to add one.

Adding and removing take effect at once (each one audited by the core); times are
typed in the clinic's time zone.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QDate, QDateTime, QLocale, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QWidget,
)

from .. import messages
from ..desk import Desk
from ..tasks import DbOp
from .data import Block, Saved, Snapshot, add_time_off, remove_time_off
from .rows import RowModel

FORMAT = "yyyy-MM-dd HH:mm"
LIST_FORMAT = "ddd d MMM yyyy HH:mm"
LIST_LINES = 3  # a longer list scrolls: the page must fit the dialog's first size


def _qt(value: datetime) -> QDateTime:
    d, t = value.date(), value.time()
    return QDateTime(QDate(d.year, d.month, d.day), QTime(t.hour, t.minute))


def _py(value: QDateTime) -> datetime:
    """The wall time shown (naive: the clinic's zone is applied by the core)."""
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute())


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
        self.start = self._when("timeOffStart", self.tr("Time off from"))
        self.end = self._when("timeOffEnd", self.tr("Time off until"))
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

    def _when(self, name: str, accessible: str) -> QDateTimeEdit:
        edit = QDateTimeEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setDisplayFormat(FORMAT)
        edit.setCalendarPopup(True)
        return edit

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 6, 8, 6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self.view, 0, 0, 1, 4)
        grid.addWidget(self.remove, 0, 4, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(QLabel(self.tr("From"), self), 1, 0)
        grid.addWidget(self.start, 1, 1)
        grid.addWidget(QLabel(self.tr("until"), self), 1, 2)
        grid.addWidget(self.end, 1, 3)
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
