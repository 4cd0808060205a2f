"""Status changes asked for on the schedule, saved through the core's booking rules."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from receptionist.ops import appointments

from . import messages
from .cancel import CancelDialog
from .desk import Desk
from .schedule import look
from .schedule.model import ScheduleModel
from .tasks import DbOp

CancelFactory = Callable[[str, str, QWidget], CancelDialog]


class StatusOps(QObject):
    """Runs ``ops.appointments.set_status`` / ``cancel`` on the worker, then says so."""

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
        op = DbOp(
            self.desk.tasks,
            lambda db: appointments.set_status(db, ctx, appointment_id, status).status,
            self,
        )
        op.success(lambda _: self._done(appointment_id, status)).run()

    def ask_cancel(self, appointment_id: str) -> None:
        found = self.model.find(appointment_id)
        who = found[1].item.patient_name if found else self.tr("this patient")
        self.dialog = self.cancel_factory(appointment_id, who, self.window)
        self.dialog.confirmed.connect(self.cancel)
        self.dialog.open()

    def cancel(self, appointment_id: str, reason: str) -> None:
        ctx = self.desk.ctx()
        op = DbOp(
            self.desk.tasks,
            lambda db: appointments.cancel(db, ctx, appointment_id, reason).status,
            self,
        )
        op.success(lambda _: self._done(appointment_id, "cancelled")).run()

    def _done(self, appointment_id: str, status: str) -> None:
        messages.info(
            self.tr("Saved: the appointment is now {0}.").format(look.status_label(status))
        )
        self.saved.emit(appointment_id, status)  # the schedule redraws from the change itself
