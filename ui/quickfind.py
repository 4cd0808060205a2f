"""Quick find (Ctrl+K, from any window): jump to one patient by name, number or phone.

Its role beside Find patients (Ctrl+P, a list to browse that stays open): a small box
over the window for the one patient the caller names; Enter opens them and the box
closes. Type a name, phone, national ID or patient number; Down and Enter pick a
result; Escape closes. Book and New patient are a button (or Alt+letter) away.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from . import icons
from .desk import Desk
from .patients.actionrow import PatientActions
from .patients.picker import PatientPicker

QUICK_LIMIT = 8  # one patient is wanted: the few best matches, no list to scroll


class QuickFind(QDialog):
    openRequested = Signal(str)  # patient id
    bookRequested = Signal(object)  # the PatientRow to book
    newRequested = Signal(str)  # what was typed

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickFind")
        self.setWindowTitle(self.tr("Quick find"))
        self.setAccessibleName(self.tr("Quick find"))
        self.picker = PatientPicker(desk, self)
        self.picker.finder.limit = QUICK_LIMIT
        self.picker.field.setPlaceholderText(
            self.tr("Jump to a patient: name, phone, ID or number – Enter opens")
        )
        glass = icons.icon("quickFind")
        if not glass.isNull():  # a magnifying glass in the field says what it is for
            self.picker.field.addAction(glass, QLineEdit.ActionPosition.LeadingPosition)
        self.setWindowIcon(glass)
        buttons = QDialogButtonBox(self)
        self.actions_ = PatientActions(self.picker, buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.picker)
        layout.addWidget(buttons)
        self.picker.chosen.connect(self._chosen)
        self.actions_.bookRequested.connect(lambda row: self._then(self.bookRequested.emit, row))
        self.actions_.newRequested.connect(lambda text: self._then(self.newRequested.emit, text))
        self.resize(560, 340)

    def present(self) -> None:
        """Show near the top of the parent window, a fresh search field focused."""
        parent = self.parentWidget()
        if parent is not None:
            top = parent.mapToGlobal(QPoint(0, 0))
            self.move(top.x() + (parent.width() - self.width()) // 2, top.y() + 80)
        self.show()
        self.raise_()
        self.activateWindow()
        self.picker.field.setFocus()
        self.picker.field.selectAll()

    def _then(self, emit: Callable[[object], None], value: object) -> None:
        """Pass the request on; the box has done its job."""
        self.accept()
        emit(value)

    def _chosen(self, patient_id: str) -> None:
        self.openRequested.emit(patient_id)
        self.accept()
