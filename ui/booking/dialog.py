"""The booking dialog (``bookingDialog``): patient, service, provider, a free time, notes.

A caller may fill in the patient and the service, and say from when to look for free
times (booking a waitlist entry); then the free times have the focus, and Enter books
the highlighted one.

Keyboard first: type a name and press Enter to pick the patient; Tab to the service
and provider (arrow keys choose); Tab to the free times (arrow keys); Enter books;
Esc closes. Alt and the underlined letter jump to a field. All database work goes
through the worker; a refusal is shown inline, the dialog stays open.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import ConflictError
from receptionist.freetext import printable
from receptionist.ops import appointments, catalog
from receptionist.ops.appointments import BookRequest
from receptionist.ops.patients import PatientRow

from .. import messages
from ..coretext import patient_name, translated
from ..desk import Desk
from ..patients.alertlabel import alert_label, show_alert
from ..tasks import DbOp
from .asked import AskedTime, service_label
from .conflictpanel import ConflictPanel
from .freetimes import FreeTimes
from .newpatient import NewPatientForm
from .patientpicker import PatientPicker
from .slotlist import SLOT_ROLE


class BookingDialog(QDialog):
    booked = Signal(str)  # the new appointment's id
    _warned_close = False

    def __init__(
        self,
        desk: Desk,
        provider_id: str | None = None,
        start: datetime | None = None,
        room_id: str | None = None,
        parent: QWidget | None = None,
        *,
        patient: PatientRow | None = None,
        service_id: str | None = None,
        search_from: datetime | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("bookingDialog")
        self.setWindowTitle(self.tr("New appointment"))
        self.desk, self.start, self.room_id = desk, start, room_id
        self.wanted_provider = provider_id
        # Filled in by the caller (a waitlist entry): not typed work of the user's.
        self.prefilled, self.wanted_service = patient, service_id
        self.search_from = search_from
        self._build()
        self._lay_out()
        self._connect()
        ctx = desk.ctx()
        DbOp(desk.tasks, lambda db: catalog.choices(db, ctx), self).success(
            self._fill_catalog
        ).run()
        self.setMinimumWidth(560)

    def _build(self) -> None:
        self.picker = PatientPicker(self.desk, self)
        self.alert = alert_label(self, "bookingPatientAlert")  # the picked patient's
        self.new_button = QPushButton(self.tr("&New patient…"), self)
        self.new_button.setObjectName("newPatientButton")
        self.new_button.setToolTip(self.tr("Add a patient who is not on file yet (Alt+N)"))
        self.new_form = NewPatientForm(self.desk, self)
        self.new_form.hide()
        self.service = QComboBox(self)
        self.service.setObjectName("serviceCombo")
        self.service.setPlaceholderText(self.tr("Pick a service"))
        self.provider = QComboBox(self)
        self.provider.setObjectName("providerCombo")
        self.provider.addItem(self.tr("Any provider"), None)
        self.times = FreeTimes(
            self.desk, self.start, self.wanted_provider, self.room_id, self, self.search_from
        )
        self.slot_list, self.slot_status = self.times.list, self.times.status
        self.asked = AskedTime(self.desk.clinic.tz, self.times.wanted(), self)
        self.picked_clash: list[str] = []  # why the time picked on the schedule is not free
        self.summary = ""  # what was booked, in words, once it is
        self.notes = QLineEdit(self)
        self.notes.setObjectName("bookingNotes")
        self.conflicts = ConflictPanel(self.desk.actor.may("booking.override"), self)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(self)
        self.book_button = QPushButton(self.tr("&Book"), self)
        self.book_button.setObjectName("bookButton")
        self.book_button.setDefault(True)
        self.book_button.setToolTip(self.tr("Book this appointment (Enter)"))
        self.close_button = QPushButton(self.tr("Close"), self)
        self.close_button.setToolTip(self.tr("Close without booking (Esc)"))
        self.buttons.addButton(self.book_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.RejectRole)

    def _lay_out(self) -> None:
        form = QFormLayout()
        rows: list[tuple[str, QWidget]] = [
            (self.tr("&Patient"), self._patient_box()),
            (self.tr("&Service"), self.service),
            (self.tr("Pro&vider"), self.provider),
            (self.tr("&Date"), self.asked),
            (self.tr("Free &times"), self.slot_list),
            ("", self.slot_status),
            (self.tr("N&otes"), self.notes),
        ]
        for text, widget in rows:
            caption = QLabel(text, self)
            # (The date row's buddy is its day field: a focus proxy there would
            # send Tab from the free times back to it.)
            caption.setBuddy(
                self.asked.day if widget is self.asked else widget.focusProxy() or widget
            )
            form.addRow(caption, widget)
            if text:
                widget.setAccessibleName(text.replace("&", ""))
        hint = QLabel(self.tr("Enter books · Esc closes · Alt+underlined letter jumps"), self)
        hint.setObjectName("keyHint")
        layout = self.column = QVBoxLayout(self)
        layout.addLayout(form)
        for part in (self.conflicts, self.error, hint, self.buttons):
            layout.addWidget(part)
        chain = [self.picker.query, self.new_button, *self.new_form.tab_chain()]
        chain += [self.service, self.provider, self.asked.day, self.asked.time]
        chain += [self.slot_list, self.notes]
        chain += [*self.conflicts.tab_chain(), self.book_button, self.close_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _patient_box(self) -> QWidget:
        """The search, the "New patient" button and the inline form, in one column."""
        box = QWidget(self)
        box.setFocusProxy(self.picker.query)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.picker)
        column.addWidget(self.alert)
        row = QHBoxLayout()
        row.addWidget(self.new_button)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(self.new_form)
        return box

    def _connect(self) -> None:
        self.buttons.accepted.connect(self.book)
        self.buttons.rejected.connect(self.reject)
        self.new_button.clicked.connect(lambda: self.new_form.start(self.picker.query.text()))
        self.new_form.created.connect(self._patient_added)
        self.picker.chosen.connect(self._patient_chosen)
        self.service.currentIndexChanged.connect(self.refresh_slots)
        self.provider.currentIndexChanged.connect(self.refresh_slots)
        self.slot_list.currentRowChanged.connect(self._row_changed)
        self.asked.changed.connect(self._asked_changed)
        self.times.shown.connect(self._check_picked)

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.LayoutRequest and self.isVisible():
            self.fit()
        return handled

    def fit(self) -> None:
        """Grow to fit what was just shown (a word-wrapped label knows its height late)."""
        layout = self.column
        layout.activate()
        needed = max(layout.totalHeightForWidth(self.width()), layout.totalMinimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    # --- choices ---------------------------------------------------------------------
    def _fill_catalog(self, found: catalog.Choices) -> None:
        for choice in found.services:
            self.service.addItem(service_label(choice), choice.id)
        for choice in found.providers:
            self.provider.addItem(printable(choice.name, lines=False), choice.id)
        self.slot_list.names = {c.id: printable(c.name, lines=False) for c in found.providers}
        index = self.provider.findData(self.wanted_provider)
        self.provider.setCurrentIndex(max(0, index))
        if self.wanted_service is not None:
            self.service.setCurrentIndex(self.service.findData(self.wanted_service))
        if self.prefilled is not None:
            self.picker.choose(self.prefilled)
        if self.prefilled is not None and self.service.currentData() is not None:
            self.slot_list.setFocus()  # only the time is left to pick
        elif self.prefilled is None:
            self.picker.query.setFocus()

    def _patient_chosen(self, row: PatientRow | None) -> None:
        show_alert(self.alert, row.alert if row is not None else "")
        if row is not None:
            self.service.setFocus()
        self.refresh_slots()

    def _patient_added(self, row: PatientRow) -> None:
        self.picker.choose(row)

    def _asked_changed(self, start: datetime) -> None:
        self.times.ask_from(start)
        self.refresh_slots()

    def refresh_slots(self) -> None:
        self.conflicts.clear()
        self.picked_clash = []
        patient = self.picker.patient
        self.times.refresh(
            self.service.currentData(),
            self.provider.currentData(),
            patient.id if patient is not None else None,
        )

    # --- the time picked on the schedule ---------------------------------------------
    def _check_picked(self) -> None:
        """A dry run of booking the picked time that is not among the free ones, so
        why it is not free shows as soon as it is chosen, not after Enter."""
        row, patient = self.slot_list.picked_row(), self.picker.patient
        service = self.service.currentData()
        if row is None or patient is None or service is None:
            return
        slot = self.slot_list.item(row).data(SLOT_ROLE)
        request = BookRequest(patient.id, slot.provider_id, service, slot.start, None, slot.room_id)
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: appointments.check_book(db, ctx, request), self)
        op.success(lambda reasons: self._picked_checked(slot, reasons)).run()

    def _picked_checked(self, slot: object, reasons: list[str]) -> None:
        row = self.slot_list.picked_row()
        if row is None or self.slot_list.item(row).data(SLOT_ROLE) != slot:
            return  # the list moved on meanwhile
        self.picked_clash = [translated(r) for r in reasons]
        self.slot_list.mark_picked(not reasons)
        self._row_changed(self.slot_list.currentRow())

    def _row_changed(self, row: int) -> None:
        self.conflicts.clear()
        if row is not None and row == self.slot_list.picked_row() and self.picked_clash:
            self.conflicts.show_conflicts(self.picked_clash, focus=False)

    # --- booking ---------------------------------------------------------------------
    def book(self, *, past_confirmed: bool = False) -> None:
        request = self._request()
        if request is None:
            return
        if request.start < self.desk.clock.now() and not past_confirmed:
            self._confirm_past(request)
            return
        self.summary = self._describe(request)
        self.error.hide()
        self.book_button.setEnabled(False)
        ctx = self.desk.ctx()
        op = DbOp(self.desk.tasks, lambda db: appointments.book(db, ctx, request).id, self)
        op.success(self._booked).failure(self._refused).run()

    def _request(self) -> BookRequest | None:
        missing = self._missing()
        if missing is not None:
            self._ask(*missing)
            return None
        patient, slot = self.picker.patient, self.slot_list.current_slot()
        assert patient is not None and slot is not None
        reason = self.conflicts.reason() if self.conflicts.overriding() else None
        notes = self.notes.text().strip()
        return BookRequest(
            patient_id=patient.id,
            provider_id=slot.provider_id,
            service_id=self.service.currentData(),
            start=slot.start,
            room_id=slot.room_id,
            notes=notes,
            override_reason=reason,
        )

    def _confirm_past(self, request: BookRequest) -> None:
        """Booking a time already begun (a walk-in entered afterwards): ask first. The
        core records it in the audit log ("book_past")."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Book in the past?"),
            self.tr(
                "{0} has already begun. Book it anyway? (For a visit entered afterwards; "
                "the audit log records that it was booked late.)"
            ).format(self.slot_list.when(request.start)),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self,
        )
        box.setObjectName("pastBookingBox")
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Book it"))
        box.button(QMessageBox.StandardButton.No).setText(self.tr("&Keep looking"))
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self.book(past_confirmed=True))
        self.past_box = box
        box.open()

    def _describe(self, request: BookRequest) -> str:
        """ "Booked Ayşe Yılmaz with Dr Aksoy, Tue 9 Dec 10:00" """
        patient = self.picker.patient
        who = patient_name(patient.display_name) if patient is not None else ""
        when = self.slot_list.when(request.start, gap=" ")  # as the slot list says it
        provider = self.slot_list.names.get(request.provider_id, "")
        return self.tr("Booked {0} with {1}, {2}").format(who, provider, when)

    def _missing(self) -> tuple[str, QWidget | None] | None:
        """What still has to be filled in before booking, and where."""
        if not self.book_button.isEnabled():
            return self.tr("Booking…"), None
        if self.picker.patient is None:
            return self.tr("Pick the patient first."), self.picker.query
        if self.service.currentData() is None:
            return self.tr("Pick a service."), self.service
        if self.slot_list.current_slot() is None:
            return self.tr("Pick one of the free times."), self.slot_list
        if self.conflicts.overriding() and not self.conflicts.reason():
            return self.tr("Say why you book over the clash."), self.conflicts.override
        return None

    def _ask(self, text: str, field: QWidget | None) -> None:
        self.error.setText(text)
        self.error.show()
        if field is not None:
            field.setFocus()

    def unsaved(self) -> bool:
        """Typed work that closing would throw away (for the close and quit guards)."""
        new = self.new_form.values() if self.new_form.isVisible() else None
        return bool(
            self.notes.text().strip()
            or (new is not None and (new.given_name or new.family_name or new.phone))
            or (self.picker.patient not in (None, self.prefilled) and self.book_button.isEnabled())
        )

    def reject(self) -> None:
        """Escape: with typed work, the first press only warns; the second closes."""
        if self.unsaved() and not self._warned_close:
            self._warned_close = True
            self._ask(self.tr("Not booked yet: press Esc again to close without booking."), None)
            return
        super().reject()

    def _booked(self, appointment_id: str) -> None:
        self.book_button.setEnabled(True)
        self.booked.emit(appointment_id)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.book_button.setEnabled(True)
        if isinstance(exc, ConflictError):
            self.conflicts.show_conflicts(
                [translated(getattr(c, "reason", c)) for c in exc.conflicts]
            )
            if not self.conflicts.overriding():
                self.slot_list.setFocus()
        else:
            self._ask(messages.user_text(exc), None)
