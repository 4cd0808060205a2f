"""Putting a patient on the waitlist: who, for what, with whom, and when it suits them.

Completely usable from the keyboard: type to find the patient, Enter picks, Tab on.
Given an existing entry (``entry=``), the same dialog edits it: filled in, the patient
kept unless another one is picked. Emits ``submitted(Wishes)``; the controller saves
it and calls ``accept`` or ``show_error``.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable
from receptionist.ops.catalog import Choices
from receptionist.ops.waitlist import PRIORITIES, TIMES_OF_DAY, WEEKDAYS, WaitlistRow, Wishes

from ..coretext import patient_name
from ..desk import Desk
from ..patients.picker import PatientPicker
from .listmodel import part_of_day_label, priority_label, weekday_label


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


class EntryDialog(QDialog):
    submitted = Signal(object)  # Wishes

    def __init__(
        self,
        desk: Desk,
        catalog: Choices,
        parent: QWidget | None = None,
        *,
        entry: WaitlistRow | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("waitlistEntryDialog")
        self.editing = entry
        if entry is None:
            self.setWindowTitle(self.tr("Add to the waitlist"))
        else:
            self.setWindowTitle(self.tr("Edit waitlist entry"))
        self.patient_id: str | None = None
        self.picker = PatientPicker(desk, self)
        self.picker.table.setMaximumHeight(130)
        self.patient_label = QLabel(self.tr("No patient chosen yet."), self)
        self.patient_label.setObjectName("waitlistPatient")
        self.service = self._combo("waitlistService", self.tr("Service"))
        for choice in catalog.services:
            self.service.addItem(printable(choice.name, lines=False), choice.id)
        self.provider = self._combo("waitlistProvider", self.tr("Provider"))
        self.provider.addItem(self.tr("Any provider"), None)
        for choice in catalog.providers:
            self.provider.addItem(printable(choice.name, lines=False), choice.id)
        today = desk.today()
        self.earliest = self._date("waitlistEarliest", self.tr("First date"), today)
        self.latest = self._date("waitlistLatest", self.tr("Last date"), today)
        self.latest.setMinimumDate(_qdate(today).addDays(-1))
        self.latest.setSpecialValueText(self.tr("No limit"))
        self.latest.setDate(self.latest.minimumDate())
        self.parts = {p: QCheckBox(part_of_day_label(p), self) for p in TIMES_OF_DAY}
        self.days = {d: QCheckBox(weekday_label(d), self) for d in WEEKDAYS}
        self.priority = self._combo("waitlistPriority", self.tr("Priority"))
        for value in PRIORITIES:
            self.priority.addItem(priority_label(value), value)
        self.note = QLineEdit(self)
        self.note.setObjectName("waitlistNote")
        self.note.setAccessibleName(self.tr("Note"))
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.hide()
        self._layout()
        self.picker.chosen.connect(self.choose_patient)
        self._kept_earliest: tuple[QDate, date | None] | None = None
        if entry is not None:
            self._fill(entry, today)

    def _combo(self, name: str, accessible: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        return combo

    def _date(self, name: str, accessible: str, day: date) -> QDateEdit:
        edit = QDateEdit(_qdate(day), self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setCalendarPopup(True)
        return edit

    def _row(self, boxes: dict[str, QCheckBox]) -> QHBoxLayout:
        row = QHBoxLayout()
        for box in boxes.values():
            row.addWidget(box)
        row.addStretch(1)
        return row

    def _layout(self) -> None:
        form = QFormLayout()
        form.addRow(self.tr("&Patient"), self.picker)
        form.addRow("", self.patient_label)
        form.addRow(self.tr("&Service"), self.service)
        form.addRow(self.tr("Pro&vider"), self.provider)
        form.addRow(self.tr("&From"), self.earliest)
        form.addRow(self.tr("&Until"), self.latest)
        form.addRow(self.tr("Times of day"), self._row(self.parts))
        form.addRow(self.tr("Weekdays"), self._row(self.days))
        form.addRow(self.tr("P&riority"), self.priority)
        form.addRow(self.tr("&Note"), self.note)
        buttons = QDialogButtonBox(self)
        label = self.tr("Add to the waitlist") if self.editing is None else self.tr("Save changes")
        self.ok = buttons.addButton(label, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setAutoDefault(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)

    def _fill(self, entry: WaitlistRow, today: date) -> None:
        """Show ``entry`` as it is; what is left untouched is saved unchanged."""
        self.patient_id = entry.patient_id
        self.patient_label.setText(self.tr("Patient: {0}").format(patient_name(entry.patient_name)))
        # A service or provider made inactive since stays chosen (marked), never swapped.
        _choose(self.service, entry.service_id, entry.service_name, self.tr("{0} (inactive)"))
        _choose(self.provider, entry.provider_id, entry.provider_name, self.tr("{0} (inactive)"))
        self.earliest.setDate(_qdate(max(entry.earliest_date or today, today)))
        # A first date in the past (or none) shows as today; saved as it was unless changed.
        self._kept_earliest = (self.earliest.date(), entry.earliest_date)
        if entry.latest_date is not None:
            floor = min(_qdate(today), _qdate(entry.latest_date)).addDays(-1)
            self.latest.setMinimumDate(floor)
            self.latest.setDate(_qdate(entry.latest_date))
        for part, box in self.parts.items():
            box.setChecked(part in entry.times_of_day)
        for day, box in self.days.items():
            box.setChecked(day in entry.weekdays)
        self.priority.setCurrentIndex(max(0, self.priority.findData(entry.priority)))
        self.note.setText(entry.note)

    def focus_first(self) -> None:
        """Where typing starts: the patient search, or the service when editing."""
        if self.editing is None:
            self.picker.field.setFocus()
        else:
            self.service.setFocus()

    def _earliest(self) -> date | None:
        shown = self.earliest.date()
        if self._kept_earliest is not None and shown == self._kept_earliest[0]:
            return self._kept_earliest[1]
        return _pydate(shown)

    def choose_patient(self, patient_id: str) -> None:
        self.patient_id = patient_id
        index = self.picker.table.currentIndex()
        name = index.siblingAtColumn(1).data() if index.isValid() else ""
        self.patient_label.setText(self.tr("Patient: {0}").format(name or patient_id))
        self.service.setFocus()

    def entry(self) -> Wishes | None:
        """What is filled in, or None (with the reason shown) when it is not enough."""
        if self.patient_id is None:
            self.show_error(self.tr("Find the patient first: type a name and press Enter."))
            self.picker.field.setFocus()
            return None
        if self.service.currentData() is None:
            self.show_error(self.tr("Choose a service."))
            return None
        latest = self.latest.date()
        return Wishes(
            patient_id=self.patient_id,
            service_id=str(self.service.currentData()),
            provider_id=self.provider.currentData(),
            earliest=self._earliest(),
            latest=None if latest == self.latest.minimumDate() else _pydate(latest),
            times_of_day=tuple(p for p, box in self.parts.items() if box.isChecked()),
            weekdays=tuple(d for d, box in self.days.items() if box.isChecked()),
            note=self.note.text(),
            priority=int(self.priority.currentData()),
        )

    def submit(self) -> None:
        entry = self.entry()
        if entry is not None:
            self.error.hide()
            self.submitted.emit(entry)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()


def _choose(box: QComboBox, value: object, name: str | None, marked: str) -> None:
    """Select ``value`` in ``box``, adding it (named ``marked``) if the list lacks it."""
    found = box.findData(value)
    if found < 0:
        box.addItem(marked.format(printable(name or "", lines=False)), value)
        found = box.count() - 1
    box.setCurrentIndex(found)
