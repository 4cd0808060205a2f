"""Find patients (Ctrl+P): a list to browse, beside the records it opens.

Its role beside quick find (Ctrl+K, which jumps to one patient and closes): it stays
open (modeless) with up to 100 patients in columns - number, name, phone, birth date -
to look through, narrow by typing more, and open one record after another. Both offer
Book and New patient.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ..desk import Desk
from .actionrow import PatientActions
from .picker import PatientPicker


class PatientSearch(QDialog):
    """Modeless: it stays open beside the records it opens."""

    openRequested = Signal(str)  # patient id
    bookRequested = Signal(object)  # the PatientRow to book
    newRequested = Signal(str)  # what was typed

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientSearch")
        self.setWindowTitle(self.tr("Find patients"))
        self.setAccessibleName(self.tr("Find patients"))
        heading = QLabel(self.tr("Find patients"), self)
        heading.setObjectName("dialogHeading")
        role = QLabel(
            self.tr(
                "Browse the patients on file: type part of a name, a phone or a number to "
                "narrow the list; this window stays open beside the records you open."
            ),
            self,
        )
        role.setObjectName("dialogHint")
        role.setWordWrap(True)
        self.picker = PatientPicker(desk, self)
        buttons = QDialogButtonBox(self)
        self.actions_ = PatientActions(self.picker, buttons)
        self.open_button = self.actions_.open
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(heading)
        layout.addWidget(role)
        layout.addWidget(self.picker, 1)
        layout.addWidget(buttons)
        self.picker.chosen.connect(self.openRequested)
        self.actions_.bookRequested.connect(self.bookRequested)
        self.actions_.newRequested.connect(self.newRequested)
        self.resize(720, 520)

    def present(self) -> None:
        """Show (or raise) with the cursor in the search field, its text selected."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.picker.field.setFocus()
        self.picker.field.selectAll()
