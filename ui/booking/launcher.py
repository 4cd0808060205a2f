"""Opening the booking dialog from the schedule or the menu, and reloading after a booking.

Every way to the booking dialog comes through :meth:`BookingLauncher.open` (New
appointment, Return or a double-click on a free slot, a patient's Book, a visit's "Book
the next visit", the waitlist's Book). In a copy restored to look at, which takes no
bookings (``ops.appointments.book`` refuses them: ``store/lookcopy.py``), none opens: the
status bar says why (:func:`no_bookings_said`, New appointment's tooltip there too).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from receptionist.patients.search import PatientRow
from receptionist.store import lookcopy

from .. import messages
from ..desk import Desk
from ..schedule.model import ScheduleModel
from .dialog import BookingDialog

DialogFactory = Callable[..., BookingDialog]


def active_patient() -> PatientRow | None:
    """The patient of the active window when it is one patient's (it has a
    ``booking_patient()``, as the patient window does); else None."""
    pick = getattr(QApplication.activeWindow(), "booking_patient", None)
    found = pick() if callable(pick) else None
    return found if isinstance(found, PatientRow) else None


def no_bookings_said() -> str:
    """Why a copy restored to look at opens no booking dialog (and New appointment is off)."""
    return QCoreApplication.translate(
        "CopyBanner", "This is a copy restored to look at: it takes no bookings."
    )


class BookingLauncher(QObject):
    """One booking dialog at a time; a booking reloads the schedule."""

    def __init__(
        self,
        desk: Desk,
        model: ScheduleModel,
        window: QMainWindow,
        factory: DialogFactory = BookingDialog,
    ) -> None:
        super().__init__(window)
        self.desk, self.model, self.window, self.factory = desk, model, window, factory
        self.dialog: BookingDialog | None = None
        self.action = QAction(self.tr("&New appointment…"), window)
        self.action.setObjectName("action_newAppointment")
        self.action.setShortcut(QKeySequence("Ctrl+N"))
        self.action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        native = self.action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.action.setToolTip(self.tr("Book an appointment ({0})").format(native))
        self.action.setStatusTip(self.tr("Book an appointment"))
        # From a patient's window, Ctrl+N books that patient.
        self.action.triggered.connect(lambda: self.open(patient=active_patient()))
        window.addAction(self.action)

    def add_to_menu_of(self, neighbour: QAction) -> None:
        """Put "New appointment…" first in the menu that holds ``neighbour``."""
        for entry in self.window.menuBar().actions():
            menu = entry.menu()
            if isinstance(menu, QMenu) and neighbour in menu.actions():
                menu.insertAction(menu.actions()[0], self.action)

    def book_at(self, provider_id: str, start: datetime) -> None:
        self.open(provider_id=provider_id, start=start)

    def book_in_room(self, room_id: str, start: datetime) -> None:
        self.open(start=start, room_id=room_id or None)  # "": the "No room" column

    def open(
        self,
        provider_id: str | None = None,
        start: datetime | None = None,
        room_id: str | None = None,
        *,
        patient: PatientRow | None = None,
        service_id: str | None = None,
        search_from: datetime | None = None,
    ) -> BookingDialog | None:
        """Open the dialog; ``patient``, ``service_id`` and ``search_from`` (where the free
        times start) fill it in, from the waitlist. None in a copy restored to look at:
        it takes no bookings, and the status bar says so."""
        if lookcopy.restored_copy(self.desk.root) is not None:
            messages.info(no_bookings_said())
            return None
        if self.dialog is not None:
            self.dialog.close()
        given = {"patient": patient, "service_id": service_id, "search_from": search_from}
        prefill = {key: value for key, value in given.items() if value is not None}
        dialog = self.factory(
            self.desk,
            provider_id=provider_id,
            start=start,
            room_id=room_id,
            parent=self.window,
            **prefill,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.booked.connect(lambda _id: self._booked(dialog.summary))
        dialog.destroyed.connect(lambda: self._forget(dialog))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _forget(self, dialog: BookingDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _booked(self, summary: str) -> None:
        """Say what was booked; the schedule redraws from the change itself."""
        messages.info(summary or self.tr("Booked."))
