"""The clinic's own settings: name, time zone, phone region, slot size, opening hours."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from receptionist.freetext import printable

from ..desk import Desk
from ..tasks import DbOp
from .data import ClinicData, Snapshot, save_clinic
from .fields import FieldForm
from .hoursedit import HoursEditor
from .unsaved import State, TracksEdits, form_state

SLOT_CHOICES = (5, 10, 15, 20, 30, 60)


def _zones() -> QComboBox:
    box = QComboBox()
    box.setEditable(True)
    box.addItems(sorted(z for z in available_timezones() if "/" in z))
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = box.completer()
    if completer is not None:
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    return box


class ClinicPage(TracksEdits, QWidget):
    saved = Signal(object)  # Snapshot
    refused = Signal()  # a save was refused (the reason is shown on the page)

    def __init__(self, desk: Desk, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clinicPage")
        self.desk, self.editable = desk, editable
        self._baseline: State | None = None
        self._snapshot: Snapshot | None = None
        self.form = FieldForm()
        self._build_form()
        self.save_button = QPushButton(self.tr("&Save"), self)
        self.save_button.setObjectName("save_clinic")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save)
        self.note = QLabel(self)
        self.note.setObjectName("pageNote")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(self.tr("What happened"))
        self._lay_out()
        self.form.setEnabled(editable)
        self.save_button.setEnabled(editable)
        self.save_button.setVisible(editable)

    def _build_form(self) -> None:
        self.name, self.region = QLineEdit(), QLineEdit()
        self.region.setMaxLength(2)
        self.region.setMaximumWidth(90)
        self.region.setPlaceholderText(self.tr("e.g. TR"))
        self.zone = _zones()
        self.slot = QComboBox()
        for minutes in SLOT_CHOICES:
            self.slot.addItem(self.tr("{0} minutes").format(minutes), minutes)
        self.wait = QSpinBox()
        self.wait.setRange(1, 240)
        self.wait.setSuffix(self.tr(" min"))
        self.wait.setMaximumWidth(110)
        self.wait.setToolTip(self.tr("The today board turns a row amber after this much waiting"))
        self.hours = HoursEditor("opening_hours", self.tr("Open set ho&urs only"))
        self.form.add("name", self.tr("Clinic &name"), self.name)
        self.form.add("timezone", self.tr("&Time zone"), self.zone)
        self.form.add("phone_region", self.tr("P&hone region"), self.region)
        self.form.add("slot_minutes", self.tr("S&lot size"), self.slot)
        self.form.add("wait_alert_minutes", self.tr("&Waiting alert after"), self.wait)
        self.form.add("opening_hours", self.tr("Opening hours"), self.hours, self.hours.limited)

    def _lay_out(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        bottom = QHBoxLayout()
        bottom.addWidget(self.note, 1)
        bottom.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(bottom)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Show the clinic as saved, unless the form holds unsaved edits."""
        self._snapshot = snapshot
        if not self.unsaved():
            self.fill(snapshot.clinic)

    def revert(self) -> None:
        """Forget the edits: show the clinic as saved."""
        self._baseline = None
        if self._snapshot is not None:
            self.show_snapshot(self._snapshot)

    def fill(self, data: ClinicData) -> None:
        self.name.setText(printable(data.name, lines=False))
        self.zone.setCurrentText(data.timezone)
        self.region.setText(data.phone_region)
        found = self.slot.findData(data.slot_minutes)
        if found < 0:
            self.slot.addItem(self.tr("{0} minutes").format(data.slot_minutes), data.slot_minutes)
            found = self.slot.count() - 1
        self.slot.setCurrentIndex(found)
        self.wait.setValue(data.wait_alert_minutes)
        self.hours.set_hours(data.opening_hours)
        self.form.clear_errors()
        self.mark_clean()

    def values(self) -> dict[str, Any] | None:
        opening = self.hours.hours()
        if opening is None:
            return None
        return {
            "name": self.name.text(),
            "timezone": self.zone.currentText().strip(),
            "phone_region": self.region.text().strip(),
            "slot_minutes": self.slot.currentData(),
            "wait_alert_minutes": self.wait.value(),
            "opening_hours": opening,
        }

    def save(self) -> None:
        if not self.editable or not self.save_button.isEnabled():
            return
        self.form.clear_errors()
        self.hours.clear_errors()
        values = self.values()
        if values is None:
            self.note.setText(self.tr("Not saved: fix the marked field."))
            self.refused.emit()
            return
        self.save_button.setEnabled(False)
        self.note.setText(self.tr("Saving…"))
        ctx, sent = self.desk.ctx(), form_state(self.form)
        op = DbOp(self.desk.tasks, lambda db: save_clinic(db, ctx, values), self)
        op.success(lambda snapshot: self._saved(snapshot, sent)).failure(self._failed).run()

    def _saved(self, snapshot: Snapshot, sent: State) -> None:
        self.save_button.setEnabled(True)
        # What was sent is saved; anything typed while it was saving is still unsaved
        # (and so is not overwritten by the fresh snapshot).
        self._baseline = sent
        self.saved.emit(snapshot)
        self.note.setText(self.tr("Saved."))

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.form.explain_refusal(exc, self.note)
        self.refused.emit()
