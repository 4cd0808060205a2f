"""The patients' screens of ``--screenshots``: a patient with a front-desk alert in their
window (with its Book button), then booked from there (the alert in the booking dialog).

The patient is the first on the day's schedule whose card has the alert mark; a day
without one fails the run rather than picturing something else under these names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QPixmap

from receptionist.ops import appointments
from receptionist.ops.patients import PatientRow
from receptionist.store.storage import Database

from .tasks import DbOp

if TYPE_CHECKING:
    from .screenshots import Screenshots, Step


class PatientShots:
    def __init__(self, shots: Screenshots) -> None:
        self.shots = shots
        self.patient_id = ""
        self.row: PatientRow | None = None
        self.service_id = ""

    def steps(self) -> list[Step]:
        return [
            (None, self._find, None),
            (None, self._open, None),
            ("23-patient-window-with-book-and-alert", None, self._window),
            (None, self._book, None),
            ("24-booking-with-patient-alert", None, self.shots._booking_dialog),
        ]

    def _find(self) -> None:
        """The patient of the first card with an alert (a card does not carry it)."""
        window = self.shots.window
        assert window is not None
        alerted = [p.item for p in window.model.items() if p.item.id in window.model.alerts()]
        if not alerted:
            self.shots._finish(1)
            return
        ctx, appointment_id = window.desk.ctx(), alerted[0].id
        self.service_id = alerted[0].service_id

        def read(db: Database) -> str:
            return appointments.show(db, ctx, appointment_id).patient_id

        DbOp(window.desk.tasks, read, self.shots).success(self._found).run()

    def _found(self, patient_id: str) -> None:
        self.patient_id = patient_id

    def _open(self) -> None:
        if self.patient_id:
            self.shots._patients().open_patient(self.patient_id).tabs.setCurrentIndex(0)

    def _window(self) -> QPixmap | None:
        shown = self.shots._patients().windows.get(self.patient_id)
        if shown is None:
            return None
        self.row = shown.booking_patient()
        return self.shots._over_window(shown)

    def _book(self) -> None:
        window = self.shots.window
        if window is not None and self.row is not None:
            # As the window's Book button does; the service filled in shows the free times.
            window.booking.open(patient=self.row, service_id=self.service_id or None)
