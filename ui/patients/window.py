"""The patient window: details, consents, appointments, communication log, documents
and notes of one patient.

Opening reads the record through ``ops.patients.show`` (audited) on the worker;
Save sends only the changed fields (``ops.patients.update``); a ValidationError comes
back under the field it names, a likely duplicate is told, and nothing is written. A
consent box records its decision as it is toggled (``ops.patients.consent``). The
communication log and the documents load when their tab is first shown (and
again after the record is reopened); they save on their own, not with Save.

"Book…" (and Ctrl+N while this window is active: ``booking_patient`` is what the
booking launcher asks the active window for) books this patient. The patient's
front-desk alert shows under the name, and a badge while the processing of her data
is restricted; the Consents tab restricts or lifts it (``ops.patients.restrict`` /
``lift_restriction``), saved as pressed like a consent.

"Erase patient…" (managers and administrators: ``patient.erase``) reads what an
erasure would remove (``ops.patients.erasure_plan``), asks in an :class:`EraseDialog`
for her number or name typed back, erases her on the worker (``ops.patients.delete``)
and closes the window.

"Export record…" (the same roles: ``patient.export``) writes her copy of the whole
record to a zip file she is given (``recordexport.RecordExport``).

A patient the retention sweep anonymised opens read-only (``anonymised.py``): a banner
says when and why, her kept appointments show, and Save, Book, consents, the log,
documents, Export and Erase are off, each saying why.

A legal or medical hold (``holdbox.py``) shows as a banner under the name, and on the
Consents tab with "Place a hold…" / "Lift the hold…" for managers and administrators
(``ops.retention.hold`` / ``unhold``); it is read again (``ops.retention.hold_of``)
whenever a hold changes anywhere (the change feed's ``patient_hold``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from receptionist.errors import ValidationError
from receptionist.ops import patients, retention
from receptionist.ops.patients import Duplicates, ErasurePlan, PatientRecord, PatientRow, Visit
from receptionist.ops.retention import HoldView
from receptionist.patients.phones import display_phone
from receptionist.store.storage import Database

from .. import messages
from ..coretext import exception_text, patient_name, translated
from ..desk import Desk
from ..events import Refresh
from ..tasks import DbOp
from . import anonymised
from .alertlabel import alert_label, show_alert
from .commlog import CommLogPage
from .consentbox import ConsentBox
from .documents import DocumentsPage
from .erasedialog import EraseDialog
from .form import DemographicsForm
from .history import HistoryPage
from .holdbox import HoldBox, HoldDialog, LiftHoldDialog, hold_banner, show_hold_banner
from .recordexport import RecordExport
from .restrictionbox import RestrictionBox, restriction_badge, show_badge

# The rows whose changes the Appointments tab shows: the visits and the names they carry.
VISIT_ENTITIES = ("appointment", "service", "provider", "room")


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class PatientWindow(QDialog):
    loaded = Signal()
    saved = Signal(str)  # patient id
    consentSaved = Signal(str, bool)  # purpose, granted
    restrictionSaved = Signal(bool)  # restricted
    bookRequested = Signal(object)  # the PatientRow to book
    erased = Signal(str)  # patient id
    holdSaved = Signal(bool)  # held

    def __init__(self, desk: Desk, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientWindow")
        self.desk, self.patient_id = desk, patient_id
        self.record: PatientRecord | None = None
        self.heading = QLabel(self.tr("Opening the record…"), self)
        self.heading.setObjectName("dialogHeading")
        self.heading.setWordWrap(True)  # a 200-character name must not widen the window
        self.summary = QLabel(self)
        self.summary.setObjectName("patientSummary")
        self.banner = anonymised.banner(self)
        self.alert = alert_label(self, "patientAlert")
        self.badge = restriction_badge(self)
        self.hold_banner = hold_banner(self)
        self.hold: HoldView | None = None
        self.form = DemographicsForm()
        self.consents = ConsentBox(desk.clinic.tz)
        self.restriction = RestrictionBox(desk.clinic.tz)
        self.consents.add_below(self.restriction)
        self.holdbox = HoldBox(desk.clinic.tz, desk.actor.may("clinic.configure"))
        self.consents.add_below(self.holdbox)
        self.history = HistoryPage(desk.clinic.tz)
        self.commlog = CommLogPage(desk, patient_id)
        self.documents = DocumentsPage(desk, patient_id)
        self.tabs = self._make_tabs()
        self.note = QLabel(self)
        self.note.setObjectName("windowNote")
        self.note.setAccessibleName(self.tr("What happened"))
        self.record_export = RecordExport(self, desk, patient_id, self.note)
        self.buttons = self._make_buttons()
        # What each is for, said again once an anonymised record turned it off.
        self._tips = {b: b.toolTip() for b in self._writers().values()}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        shown = (self.heading, self.summary, self.banner, self.alert, self.badge,
                 self.hold_banner, self.tabs, self.note)  # fmt: skip
        for widget in (*shown, self.buttons):
            layout.addWidget(widget, 1 if widget is self.tabs else 0)
        self.consents.decided.connect(self.decide)
        self.restriction.restrict.connect(lambda reason: self.set_restricted(True, reason))
        self.restriction.lift.connect(lambda: self.set_restricted(False, ""))
        self.holdbox.place.connect(self.ask_hold)
        self.holdbox.lift.connect(self.ask_lift)
        self.form.edited.connect(self._edited)
        self._warned = False
        self._set_enabled(False)
        Refresh(desk.events, VISIT_ENTITIES, self.reload_visits, self)
        Refresh(desk.events, ("patient_hold",), self.reload_hold, self)
        self.setWindowTitle(self.tr("Patient"))
        self.resize(720, 640)

    def _make_tabs(self) -> QTabWidget:
        tabs = QTabWidget(self)
        tabs.setAccessibleName(self.tr("Patient record"))
        scroll = QScrollArea(tabs)
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        tabs.addTab(scroll, self.tr("&Details"))
        tabs.addTab(self.consents, self.tr("&Consents"))
        tabs.addTab(self.history, self.tr("Appoint&ments"))
        tabs.addTab(self.commlog, self.tr("Commun&ication"))
        tabs.addTab(self.documents, self.tr("D&ocuments"))
        tabs.addTab(self.form.notes_page, self.tr("No&tes"))
        tabs.currentChanged.connect(lambda _i: self._load_shown_page())
        return tabs

    def _load_shown_page(self) -> None:
        """The log or the documents, read when their tab is shown and not yet loaded."""
        page = self.tabs.currentWidget()
        if self.record is not None and page in (self.commlog, self.documents):
            assert isinstance(page, CommLogPage | DocumentsPage)
            if not page.is_loaded:
                page.load()

    def _make_buttons(self) -> QDialogButtonBox:
        buttons = QDialogButtonBox(self)
        self.save_button = buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.save_button.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
        native = self.save_button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        self.save_button.setToolTip(self.tr("Save the changes ({0})").format(native))
        self.save_button.setAccessibleName(self.tr("Save the changes"))
        self.save_button.setDefault(True)
        self.book_button = buttons.addButton(
            self.tr("&Book…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.book_button.setObjectName("bookPatientButton")
        self.book_button.setToolTip(self.tr("Book an appointment for this patient (Ctrl+N)"))
        self.book_button.setAccessibleName(self.tr("Book an appointment for this patient"))
        self.book_button.setAutoDefault(False)
        self.book_button.clicked.connect(self.book)
        self.erase_button = buttons.addButton(
            self.tr("Erase patient…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.erase_button.setObjectName("erasePatientButton")
        self.erase_button.setToolTip(
            self.tr("Erase this patient at her request: her record and everything of hers")
        )
        self.erase_button.setAccessibleName(self.tr("Erase this patient"))
        self.erase_button.setAutoDefault(False)
        self.erase_button.setVisible(self.desk.actor.may("patient.erase"))
        self.erase_button.clicked.connect(self.ask_erase)
        self.export_button = buttons.addButton(
            self.tr("E&xport record…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.export_button.setObjectName("exportPatientButton")
        self.export_button.setToolTip(
            self.tr("Export the whole record to a file, for the patient who asked for a copy")
        )
        self.export_button.setAccessibleName(self.tr("Export the patient's record"))
        self.export_button.setAutoDefault(False)
        self.export_button.setVisible(self.desk.actor.may("patient.export"))
        self.export_button.clicked.connect(self.ask_export)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        return buttons

    def _writers(self) -> dict[str, QPushButton]:
        """The buttons an anonymised record turns off, by what ``anonymised.why_not``
        calls them."""
        return {"save": self.save_button, "book": self.book_button,
                "erase": self.erase_button, "export": self.export_button}  # fmt: skip

    def _closed_tabs(self) -> dict[str, QWidget]:
        """The tabs an anonymised record closes (their rows went with her data)."""
        return {"consents": self.consents, "log": self.commlog, "documents": self.documents,
                "notes": self.form.notes_page}  # fmt: skip

    def anonymised(self) -> bool:
        return self.record is not None and self.record.anonymised

    def _set_enabled(self, enabled: bool) -> None:
        self.tabs.setEnabled(enabled)
        for button in self._writers().values():
            button.setEnabled(enabled and not self.anonymised())

    def _show_anonymised(self, record: PatientRecord) -> None:
        """Read-only, and saying why, for a patient the retention sweep anonymised; as
        always for any other."""
        gone = record.anonymised
        anonymised.show_banner(self.banner, record.anonymised_at, self.desk.clinic.tz)
        self.form.set_read_only(gone)
        for what, button in self._writers().items():
            button.setToolTip(anonymised.why_not(what) if gone else self._tips[button])
        for what, page in self._closed_tabs().items():
            index = self.tabs.indexOf(page)
            self.tabs.setTabEnabled(index, not gone)
            self.tabs.setTabToolTip(index, anonymised.why_not(what) if gone else "")
        current = self.tabs.currentIndex()
        if gone and (current == 0 or not self.tabs.isTabEnabled(current)):
            self.tabs.setCurrentWidget(self.history)  # what is left of her: her visits

    # --- booking -----------------------------------------------------------------------
    def booking_patient(self) -> PatientRow | None:
        """This patient, to fill in the booking dialog (None until the record is open,
        and for an anonymised one: she cannot be booked)."""
        return None if self.record is None or self.anonymised() else self.record.row()

    def book(self) -> None:
        patient = self.booking_patient()
        if patient is not None:
            self.bookRequested.emit(patient)

    def _edited(self) -> None:
        self.note.setText("")
        self._warned = False

    def unsaved(self) -> bool:
        return bool(self.form.changes()) or self.commlog.unsaved()

    def reject(self) -> None:
        """Close; with unsaved changes, only on the second try (they stay in the form)."""
        if self.unsaved() and not self._warned:
            self._warned = True
            if self.form.changes():
                text = self.tr(
                    "Not saved yet: press Save, or close again to leave the changes unsaved."
                )
            else:
                text = self.tr("Not logged yet: press Add, or close again to leave it unlogged.")
            self.note.setText(text)
            return
        self._warned = False
        if self.record is not None:  # the edits are left unsaved: drop them, as told
            self.form.load(self.record.fields)
        self.commlog.summary.clear()
        super().reject()

    # --- opening -----------------------------------------------------------------------
    def load(self) -> None:
        """Open (and audit the opening of) the record on the worker."""
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: patients.show(db, ctx, pid), self)
        op.success(self._show_opened).failure(self._load_failed).run()

    def _show_record(self, record: PatientRecord) -> None:
        self.record = record
        self.form.region = self.desk.clinic.phone_region
        self.form.load(record.fields)
        self.consents.show_state(record.consents, record.consent_dates)
        self._show_restriction(record)
        self.reload_hold()
        self.history.show_visits(record.visits, self.desk.clock.now())
        self._show_heading(record)
        self._show_anonymised(record)
        self._set_enabled(True)
        self.loaded.emit()

    def _show_opened(self, record: PatientRecord) -> None:
        """A fresh opening: the log and documents are read again when next shown."""
        self.commlog.is_loaded = self.documents.is_loaded = False
        self._show_record(record)
        self._load_shown_page()

    def _show_heading(self, record: PatientRecord) -> None:
        # An anonymised patient's heading is no name: its own words, capitalised as each
        # language writes a heading (not the lower-case word that stands in a name's place)
        name = anonymised.heading() if record.anonymised else patient_name(record.display_name)
        short = name if len(name) <= 60 else name[:59] + "…"
        self.setWindowTitle(self.tr("{0} – {1}").format(short, record.number))
        self.heading.setText(name)
        region = self.desk.clinic.phone_region
        phone = display_phone(_text_or_none(record.fields.get("phone")), region)
        said = phone or self.tr("no phone on file")
        self.summary.setText(
            self.tr("Patient {0}").format(record.number)
            if record.anonymised
            else self.tr("Patient {0} · {1}").format(record.number, said)
        )
        show_alert(self.alert, str(record.fields.get("alert") or ""))

    def _load_failed(self, exc: BaseException) -> None:
        self.heading.setText(self.tr("This record could not be opened."))
        self.note.setText(messages.user_text(exc))

    # --- the visits, following the change feed ----------------------------------------
    def reload_visits(self) -> None:
        """Read the patient's appointments again and show them; nothing else changes."""
        if self.record is None or not self.isVisible():  # the opening (again) reads them
            return
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: patients.history(db, ctx, pid), self)
        op.success(self._show_visits).failure(messages.report_exception).run()

    def _show_visits(self, visits: Sequence[Visit]) -> None:
        if self.record is None:
            return
        self.record = dataclasses.replace(self.record, visits=tuple(visits))
        self.history.show_visits(self.record.visits, self.desk.clock.now())

    # --- saving ------------------------------------------------------------------------
    def save(self) -> None:
        changes = self.form.changes()
        if self.record is None or not self.save_button.isEnabled():
            return
        if not changes:
            self.note.setText(self.tr("Nothing to save: no field was changed."))
            return
        self.form.clear_errors()
        self._set_enabled(False)  # nothing typed now could be overwritten by the reload
        self.note.setText(self.tr("Saving…"))
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: patients.update(db, ctx, pid, changes), self)
        op.success(self._saved).failure(self._save_failed).run()

    def _saved(self, record: PatientRecord | Duplicates) -> None:
        if isinstance(record, Duplicates):  # another patient looks the same: not saved
            self._set_enabled(True)
            self.note.setText(self.tr("Not saved."))
            messages.error(translated(record.message))
            return
        self._show_record(record)
        self.note.setText(self.tr("Saved."))
        messages.info(self.tr("Saved patient {0}.").format(record.number))
        self.saved.emit(record.id)

    def _save_failed(self, exc: BaseException) -> None:
        self._set_enabled(True)
        if isinstance(exc, ValidationError) and self.form.show_error(
            exc.field, exception_text(exc)
        ):
            on_notes = exc.field == "notes"
            self.tabs.setCurrentIndex(self.tabs.indexOf(self.form.notes_page) if on_notes else 0)
            self.form.editors[exc.field].setFocus()
            caption = self.form.captions[exc.field].lower()
            self.note.setText(self.tr("Not saved: check the {0}.").format(caption))
            return
        self.note.setText(self.tr("Not saved."))
        messages.report_exception(exc)

    # --- consents ----------------------------------------------------------------------
    def decide(self, purpose: str, granted: bool) -> None:
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(
            self.desk.tasks, lambda db: patients.consent(db, ctx, pid, purpose, granted), self
        )
        op.success(lambda r: self._consent_saved(r, purpose, granted))
        op.failure(self._consent_failed).run()

    def _consent_saved(self, record: PatientRecord, purpose: str, granted: bool) -> None:
        self.record = record
        self.consents.show_state(record.consents, record.consent_dates)
        if purpose == "optional_data" and not granted:
            # Withdrawing it erased birth date and gender; any other decision leaves
            # what is being typed in those fields alone.
            self.form.load(record.fields, only=("birth_date", "gender"))
        self.note.setText(self.tr("Consent decision recorded."))
        self.consentSaved.emit(purpose, granted)

    # --- restriction of processing ------------------------------------------------------
    def set_restricted(self, restricted: bool, reason: str) -> None:
        ctx, pid = self.desk.ctx(), self.patient_id

        def change(db: Database) -> PatientRecord:
            if restricted:
                return patients.restrict(db, ctx, pid, reason)
            return patients.lift_restriction(db, ctx, pid)

        op = DbOp(self.desk.tasks, change, self)
        op.success(lambda r: self._restriction_saved(r, restricted))
        op.failure(self._restriction_failed).run()

    def _show_restriction(self, record: PatientRecord, *, keep_typed: bool = False) -> None:
        self.restriction.show_state(
            record.restricted_at, record.restriction_reason, keep_typed=keep_typed
        )
        show_badge(self.badge, record.restricted_at, self.desk.clinic.tz)

    def _restriction_saved(self, record: PatientRecord, restricted: bool) -> None:
        self.record = dataclasses.replace(
            self.record or record,
            restricted_at=record.restricted_at,
            restriction_reason=record.restriction_reason,
        )
        self._show_restriction(record)
        if restricted:
            self.note.setText(self.tr("Processing restricted: no messages go to the patient."))
        else:
            self.note.setText(self.tr("Restriction lifted."))
        self.restrictionSaved.emit(restricted)

    def _restriction_failed(self, exc: BaseException) -> None:
        if self.record is not None:
            self._show_restriction(self.record, keep_typed=True)  # the typed reason stays
        text = messages.user_text(exc)
        self.note.setText(text)
        messages.error(text)

    # --- legal or medical hold --------------------------------------------------------
    def reload_hold(self) -> None:
        """Read whether she is on hold (on opening, and whenever a hold changes)."""
        if self.record is None:
            return
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: retention.hold_of(db, ctx, pid), self)
        op.success(self._show_hold).failure(self._hold_failed).run()

    def _show_hold(self, hold: HoldView | None) -> None:
        self.hold = hold
        self.holdbox.show_state(hold)
        show_hold_banner(self.hold_banner, hold, self.desk.clinic.tz)

    def ask_hold(self) -> None:
        if self.record is None:
            return
        self.hold_dialog = HoldDialog(self.record.number, self.record.display_name, self)
        self.hold_dialog.confirmed.connect(self.place_hold)
        self.hold_dialog.open()

    def ask_lift(self) -> None:
        if self.record is None or self.hold is None:
            return
        self.lift_dialog = LiftHoldDialog(self.record.number, self.hold, self)
        self.lift_dialog.confirmed.connect(self.lift_hold)
        self.lift_dialog.open()

    def place_hold(self, kind: str, reason: str) -> None:
        self.holdbox.busy()
        ctx, pid = self.desk.ctx(), self.patient_id

        def place(db: Database) -> HoldView | None:
            retention.hold(db, ctx, pid, reason, kind)
            return retention.hold_of(db, ctx, pid)

        op = DbOp(self.desk.tasks, place, self)
        op.success(lambda h: self._hold_saved(h, True)).failure(self._hold_failed).run()

    def lift_hold(self) -> None:
        self.holdbox.busy()
        ctx, pid = self.desk.ctx(), self.patient_id

        def lift(db: Database) -> None:
            retention.unhold(db, ctx, pid)

        op = DbOp(self.desk.tasks, lift, self)
        op.success(lambda _n: self._hold_saved(None, False)).failure(self._hold_failed).run()

    def _hold_saved(self, hold: HoldView | None, held: bool) -> None:
        self._show_hold(hold)
        self.note.setText(
            self.tr("On hold: the retention sweep keeps this record.")
            if held
            else self.tr("Hold lifted: the retention policy applies again.")
        )
        self.holdSaved.emit(held)

    def _hold_failed(self, exc: BaseException) -> None:
        self._show_hold(self.hold)
        text = messages.user_text(exc)
        self.note.setText(text)
        messages.error(text)

    # --- export (right of access) ------------------------------------------------------
    def ask_export(self) -> None:
        if self.record is not None:
            self.record_export.ask(self.record.number)

    # --- erasure ----------------------------------------------------------------------
    def ask_erase(self) -> None:
        """Read what her erasure would remove, then ask (:class:`EraseDialog`)."""
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: patients.erasure_plan(db, ctx, pid), self)
        op.success(self._ask_erase).failure(self._erase_failed).run()

    def _ask_erase(self, plan: ErasurePlan) -> None:
        self.erase_dialog = EraseDialog(plan, self)
        self.erase_dialog.confirmed.connect(self.erase)
        self.erase_dialog.open()

    def erase(self) -> None:
        self._set_enabled(False)
        self.note.setText(self.tr("Erasing…"))
        ctx, pid = self.desk.ctx(), self.patient_id
        op = DbOp(self.desk.tasks, lambda db: patients.delete(db, ctx, pid), self)
        op.success(self._erased).failure(self._erase_failed).run()

    def _erased(self, _gone: object) -> None:
        number = self.record.number if self.record is not None else ""
        self.record = None
        messages.info(self.tr("Patient {0} is erased.").format(number))
        self.erased.emit(self.patient_id)
        QDialog.done(self, QDialog.DialogCode.Accepted)

    def _erase_failed(self, exc: BaseException) -> None:
        self._set_enabled(self.record is not None)
        text = messages.user_text(exc)
        self.note.setText(text)
        messages.error(text)

    def _consent_failed(self, exc: BaseException) -> None:
        if self.record is not None:
            self.consents.show_state(self.record.consents, self.record.consent_dates)
        messages.report_exception(exc)
