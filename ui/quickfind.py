"""Quick find (Ctrl+K): a small box over the window to jump to a patient by keyboard.

Type a name, phone, national ID or patient number; Down and Enter pick a result;
Enter opens the patient window, Escape closes the box.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Signal
from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout, QWidget

from . import icons
from .desk import Desk
from .patients.picker import PatientPicker


class QuickFind(QDialog):
    openRequested = Signal(str)  # patient id

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quickFind")
        self.setWindowTitle(self.tr("Quick find"))
        self.setAccessibleName(self.tr("Quick find"))
        self.picker = PatientPicker(desk, self)
        self.picker.field.setPlaceholderText(
            self.tr("Find a patient: name, phone, ID or number – Enter opens")
        )
        glass = icons.icon("quickFind")
        if not glass.isNull():  # a magnifying glass in the field says what it is for
            self.picker.field.addAction(glass, QLineEdit.ActionPosition.LeadingPosition)
        self.setWindowIcon(glass)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.picker)
        self.picker.chosen.connect(self._chosen)
        self.resize(560, 320)

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

    def _chosen(self, patient_id: str) -> None:
        self.openRequested.emit(patient_id)
        self.accept()
