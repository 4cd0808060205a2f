"""The buttons quick find and Find patients share: Open, Book and New patient.

Both find a patient; from either the receptionist opens the record, books the
highlighted patient, or adds one who is not on file (the typed text guesses the names).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialogButtonBox, QPushButton

from .picker import PatientPicker


class PatientActions(QObject):
    """The buttons under a :class:`PatientPicker`; Book and Open need a patient found."""

    bookRequested = Signal(object)  # the PatientRow to book
    newRequested = Signal(str)  # what was typed, to guess the new patient's names

    def __init__(self, picker: PatientPicker, buttons: QDialogButtonBox) -> None:
        super().__init__(buttons)
        self.picker = picker
        role, add = QDialogButtonBox.ButtonRole, self._button
        self.open = add(buttons, "openPatientButton", self.tr("&Open"), role.AcceptRole,
                        self.tr("Open the highlighted patient (Enter)"))  # fmt: skip
        self.book = add(buttons, "bookPatientButton", self.tr("&Book…"), role.ActionRole,
                        self.tr("Book the highlighted patient"))  # fmt: skip
        self.new = add(buttons, "newPatientButton", self.tr("&New patient…"), role.ActionRole,
                       self.tr("Add a patient who is not on file"))  # fmt: skip
        buttons.accepted.connect(picker.choose_current)
        self.book.clicked.connect(self._book)
        self.new.clicked.connect(lambda: self.newRequested.emit(picker.field.text().strip()))
        picker.shown.connect(self.sync)
        self.sync()

    @staticmethod
    def _button(
        buttons: QDialogButtonBox, name: str, text: str, role: QDialogButtonBox.ButtonRole,
        tip: str,
    ) -> QPushButton:  # fmt: skip
        button = buttons.addButton(text, role)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        button.setAutoDefault(False)
        return button

    def sync(self) -> None:
        found = self.picker.model.rowCount() > 0
        self.open.setEnabled(found)
        self.book.setEnabled(found)

    def _book(self) -> None:
        row = self.picker.current_row()
        if row is not None:
            self.bookRequested.emit(row)
