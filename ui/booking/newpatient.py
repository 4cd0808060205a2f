"""Adding a patient without leaving the booking dialog, with the duplicate warning.

The core refuses a likely duplicate (same phone, national ID, or name and birth
date); the form then lists the patients already on file and offers to use one of
them, or to add the new one anyway.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from receptionist.errors import ValidationError
from receptionist.ops import patients
from receptionist.ops.patients import Duplicates, NewPatient, PatientRow

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..tasks import DbOp
from .patientpicker import PICK_KEYS, describe


class NewPatientForm(QFrame):
    created = Signal(object)  # PatientRow: added, or an existing one chosen instead

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPatientForm")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.desk = desk
        self.given = self._field("newGivenName", self.tr("Given name"))
        self.family = self._field("newFamilyName", self.tr("Family name"))
        self.phone = self._field("newPhone", self.tr("Phone"))
        self.add = self._button("addPatient", self.tr("&Add patient"), lambda: self.submit())
        self.warning = QLabel(self)
        self.warning.setObjectName("duplicateWarning")
        self.warning.setWordWrap(True)
        self.matches = QListWidget(self)
        self.matches.setObjectName("duplicateList")
        self.matches.setAccessibleName(self.tr("Patients already on file"))
        self.matches.setMaximumHeight(80)
        self.use = self._button("useExisting", self.tr("&Use this patient"), self.use_existing)
        self.anyway = self._button(
            "addAnyway", self.tr("Add an&yway"), lambda: self.submit(allow_duplicate=True)
        )
        self.error = QLabel(self)
        self.error.setObjectName("newPatientError")
        self.error.setWordWrap(True)
        self._lay_out()
        self.matches.installEventFilter(self)
        self._show_duplicates(False)
        self.error.hide()

    def _field(self, name: str, label: str) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setAccessibleName(label)
        field.installEventFilter(self)
        return field

    def _button(self, name: str, text: str, slot: object) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.clicked.connect(slot)
        return button

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        form.addRow(self.tr("&Given name"), self.given)
        form.addRow(self.tr("&Family name"), self.family)
        form.addRow(self.tr("P&hone"), self.phone)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add)
        add_row.addStretch(1)
        form.addRow("", add_row)
        form.addRow(self.warning)
        form.addRow(self.matches)
        row = QHBoxLayout()
        row.addWidget(self.use)
        row.addWidget(self.anyway)
        row.addStretch(1)
        form.addRow(row)
        form.addRow(self.error)

    def tab_chain(self) -> list[QWidget]:
        return [self.given, self.family, self.phone, self.add, self.matches, self.use, self.anyway]

    def start(self, query: str) -> None:
        """Open the form, guessing the names from what was typed in the search."""
        words = query.split()
        if words and not any(ch.isdigit() for ch in query):
            self.given.setText(words[0])
            self.family.setText(" ".join(words[1:]))
        elif words:
            self.phone.setText(query.strip())
        self._show_duplicates(False)
        self.error.hide()
        self.show()
        target = self.family if self.given.text() and not self.family.text() else self.given
        target.setFocus()

    def values(self) -> NewPatient:
        return NewPatient(
            self.given.text().strip(), self.family.text().strip(), self.phone.text().strip()
        )

    def submit(self, allow_duplicate: bool = False) -> None:
        if not self.add.isEnabled():
            return  # already on its way
        ctx, new = self.desk.ctx(), self.values()
        self.error.hide()
        self.add.setEnabled(False)
        op = DbOp(
            self.desk.tasks,
            lambda db: patients.add(db, ctx, new, allow_duplicate=allow_duplicate),
            self,
        )
        op.success(self._answered).failure(self._failed).run()

    def _answered(self, result: PatientRow | Duplicates) -> None:
        self.add.setEnabled(True)
        if isinstance(result, Duplicates):
            self._offer(result)
            return
        self._show_duplicates(False)
        self.hide()
        self.created.emit(result)

    def _offer(self, dup: Duplicates) -> None:
        self.matches.clear()
        for row in dup.matches:
            item = QListWidgetItem(describe(row, self.desk.clinic.phone_region), self.matches)
            item.setData(Qt.ItemDataRole.UserRole, row)
        self.matches.setCurrentRow(0)
        self.warning.setText(translated(dup.message))
        self._show_duplicates(True)
        (self.matches if dup.matches else self.anyway).setFocus()

    def use_existing(self) -> None:
        item = self.matches.currentItem()
        row = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if isinstance(row, PatientRow):
            self._show_duplicates(False)
            self.hide()
            self.created.emit(row)

    def _failed(self, exc: BaseException) -> None:
        self.add.setEnabled(True)
        self.error.setText(messages.user_text(exc))
        self.error.show()
        fields = {"given_name": self.given, "family_name": self.family, "phone": self.phone}
        field = fields.get(exc.field) if isinstance(exc, ValidationError) else None
        (field or self.given).setFocus()

    def _show_duplicates(self, shown: bool) -> None:
        for widget in (self.warning, self.matches, self.use, self.anyway):
            widget.setVisible(shown)
        self.use.setEnabled(shown and self.matches.count() > 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter adds the patient (or uses the highlighted match); it never books."""
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in PICK_KEYS:
                if watched is self.matches:
                    self.use_existing()
                else:
                    self.submit()
                return True
        return super().eventFilter(watched, event)
