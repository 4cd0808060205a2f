"""The Patients window: find anyone on file and open their record."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ..desk import Desk
from .picker import PatientPicker


class PatientSearch(QDialog):
    """Modeless: it stays open beside the records it opens."""

    openRequested = Signal(str)  # patient id

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patientSearch")
        self.setWindowTitle(self.tr("Patients"))
        self.setAccessibleName(self.tr("Patients"))
        heading = QLabel(self.tr("Find a patient"), self)
        heading.setObjectName("dialogHeading")
        self.picker = PatientPicker(desk, self)
        buttons = QDialogButtonBox(self)
        self.open_button = buttons.addButton(
            self.tr("&Open"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.open_button.setAccessibleName(self.tr("Open the highlighted patient"))
        self.open_button.setAutoDefault(False)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setAutoDefault(False)
        buttons.accepted.connect(self.picker.choose_current)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(heading)
        layout.addWidget(self.picker, 1)
        layout.addWidget(buttons)
        self.picker.chosen.connect(self.openRequested)
        self.picker.shown.connect(self._sync_button)
        self._sync_button()
        self.resize(640, 480)

    def _sync_button(self) -> None:
        self.open_button.setEnabled(self.picker.model.rowCount() > 0)

    def present(self) -> None:
        """Show (or raise) with the cursor in the search field, its text selected."""
        self.show()
        self.raise_()
        self.activateWindow()
        self.picker.field.setFocus()
        self.picker.field.selectAll()
