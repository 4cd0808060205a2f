"""Status changes asked for on the schedule, saved through the core's booking rules."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QLocale, QObject, Signal
from PySide6.QtWidgets import QWidget

from receptionist.ops import undo as undo_ops
from receptionist.ops.undo import Done
from receptionist.schedule.cards import AgendaItem
from receptionist.store import lookcopy

from . import messages, undo
from .cancel import CancelDialog
from .desk import Desk
from .schedule import cardtext
from .schedule.model import ScheduleModel
from .tasks import DbOp

# (appointment id, whose, parent, on which day at what time) -> the dialog
CancelFactory = Callable[[str, str, QWidget, str], CancelDialog]


class StatusOps(QObject):
    """Runs ``set_status`` / ``cancel`` (``ops.undo``: undoable) on the worker, says so
    and offers the Undo."""

    saved = Signal(str, str)  # appointment id, new status

    def __init__(
        self,
        desk: Desk,
        model: ScheduleModel,
        window: QWidget,
        cancel_factory: CancelFactory = CancelDialog,
    ) -> None:
        super().__init__(window)
        self.desk = desk
        self.model = model
        self.window = window
        self.cancel_factory = cancel_factory
        self.dialog: CancelDialog | None = None

    def set_status(self, appointment_id: str, status: str) -> None:
        ctx = self.desk.ctx()
        undo.starting(self.desk)
        op = DbOp(
            self.desk.tasks,
            lambda db: undo_ops.set_status(db, ctx, appointment_id, status),
            self,
        )
        op.success(lambda done: self._done(appointment_id, status, done)).run()

    def ask_cancel(self, appointment_id: str) -> None:
        """The reason asked, then :meth:`cancel`; in a copy restored to look at nothing
        is asked: the status bar says why (the core's sentence)."""
        refused = lookcopy.refused_write(self.desk.root)
        if refused is not None:
            messages.report_exception(refused)
            return
        found = self.model.find(appointment_id)
        who = cardtext.patient_name(found[1].item) if found else self.tr("this patient")
        when = self.when(found[1].item) if found else ""
        self.dialog = self.cancel_factory(appointment_id, who, self.window, when)
        self.dialog.confirmed.connect(self.cancel)
        self.dialog.open()

    def when(self, item: AgendaItem) -> str:
        """The visit's day and time, in the clinic's zone: "Monday, 2 March 2026, 11:00–11:30"."""
        tz = self.desk.clinic.tz
        start, end = item.start_utc.astimezone(tz), item.end_utc.astimezone(tz)
        day = QLocale().toString(
            QDate(start.year, start.month, start.day), QLocale.FormatType.LongFormat
        )
        return self.tr("{0}, {1}–{2}").format(day, f"{start:%H:%M}", f"{end:%H:%M}")

    def cancel(self, appointment_id: str, reason: str) -> None:
        ctx = self.desk.ctx()
        undo.starting(self.desk)
        op = DbOp(
            self.desk.tasks,
            lambda db: undo_ops.cancel(db, ctx, appointment_id, reason),
            self,
        )
        op.success(lambda done: self._done(appointment_id, "cancelled", done)).run()

    def _done(self, appointment_id: str, status: str, done: Done) -> None:
        said = undo.saved(done.appointment.patient_name, status)
        messages.info(said)
        undo.offer(self.desk, done, said)
        self.saved.emit(appointment_id, status)  # the schedule redraws from the change itself
