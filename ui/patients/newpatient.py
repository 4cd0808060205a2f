"""New patient (Patients menu, quick find, Find patients): add a patient, then their
record opens to fill in the rest.

The same form as the booking dialog's inline one (``ui.booking.newpatient``): given
name, family name, phone, with the likely-duplicate warning and its "Use this
patient" / "Add anyway".
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from receptionist.ops.patients import PatientRow

from ..booking.newpatient import NewPatientForm
from ..desk import Desk


class NewPatientDialog(QDialog):
    created = Signal(object)  # the PatientRow added (or the one on file chosen instead)

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPatientDialog")
        self.setWindowTitle(self.tr("New patient"))
        heading = QLabel(self.tr("New patient"), self)
        heading.setObjectName("dialogHeading")
        hint = QLabel(self.tr("Their record opens once they are added, for the other details."))
        hint.setWordWrap(True)
        self.form = NewPatientForm(desk, self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        for widget in (heading, hint, self.form, buttons):
            layout.addWidget(widget)
        self.form.created.connect(self._created)
        self.resize(460, 260)

    def start(self, typed: str = "") -> None:
        """Show with the form fresh, the names guessed from ``typed``."""
        for field in (self.form.given, self.form.family, self.form.phone):
            field.clear()
        self.show()
        self.raise_()
        self.activateWindow()
        self.form.start(typed)

    def unsaved(self) -> bool:
        new = self.form.values()
        return self.isVisible() and bool(new.given_name or new.family_name or new.phone)

    def _created(self, row: PatientRow) -> None:
        self.accept()
        self.created.emit(row)
