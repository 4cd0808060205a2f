"""A visit's card menu, past its statuses: "Open patient" and "Book next visit".

The patient and the visit's provider and service are read on the worker
(``ops.visits.next_visit``); the patient window (``ui.patients``) or the booking
dialog, filled in with them, opens on the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from receptionist.ops import visits
from receptionist.ops.visits import NextVisit

from .patients import Patients
from .tasks import DbOp

if TYPE_CHECKING:
    from .mainwindow import MainWindow


class VisitOps(QObject):
    """Answers the schedule's ``openPatientRequested`` and ``bookNextRequested``."""

    bookingOpened = Signal(object)  # the BookingDialog, filled in

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("visitOps")
        self.window = window
        window.schedule.openPatientRequested.connect(self.open_patient)
        window.schedule.bookNextRequested.connect(self.book_next)

    def _visit(self, appointment_id: str, then: Callable[[NextVisit], None]) -> None:
        """Read the visit, then ``then`` it - unless the window was locked meanwhile (no
        patient's window or booking opens over the lock screen)."""
        ctx, desk = self.window.desk.ctx(), self.window.desk
        op = DbOp(desk.tasks, lambda db: visits.next_visit(db, ctx, appointment_id), self)
        op.success(lambda found: None if self.window.is_locked() else then(found)).run()

    def open_patient(self, appointment_id: str) -> None:
        self._visit(appointment_id, self._open)

    def _open(self, found: NextVisit) -> None:
        patients = self.window.findChild(Patients)
        if isinstance(patients, Patients):
            patients.open_patient(found.patient.id)

    def book_next(self, appointment_id: str) -> None:
        self._visit(appointment_id, self._book)

    def _book(self, found: NextVisit) -> None:
        dialog = self.window.booking.open(
            provider_id=found.provider_id, patient=found.patient, service_id=found.service_id
        )
        if dialog is None:  # a copy restored to look at: no bookings (said)
            return
        dialog.setWindowTitle(self.tr("Book the next visit"))
        self.bookingOpened.emit(dialog)


def install(window: MainWindow) -> VisitOps:
    found = window.findChild(VisitOps)
    return found if isinstance(found, VisitOps) else VisitOps(window)
