"""Asking why an appointment is cancelled (the core will not cancel without a reason)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)


class CancelDialog(QDialog):
    """Emits ``confirmed(appointment_id, reason)``; opened with ``open()``, never ``exec()``."""

    confirmed = Signal(str, str)

    def __init__(self, appointment_id: str, who: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancelDialog")
        self.setWindowTitle(self.tr("Cancel appointment"))
        self.appointment_id = appointment_id
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Cancel the appointment of {0}?").format(who), self))
        caption = QLabel(self.tr("&Reason"), self)
        self.reason = QComboBox(self)
        self.reason.setObjectName("cancelReason")
        self.reason.setEditable(True)
        self.reason.setAccessibleName(self.tr("Reason for cancelling"))
        self.reason.addItems(
            [
                self.tr("The patient asked to cancel"),
                self.tr("The provider is not available"),
                self.tr("The clinic is closed"),
            ]
        )
        self.reason.setCurrentIndex(-1)
        caption.setBuddy(self.reason)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(
            self.tr("Cancel appointment"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton(self.tr("Keep it"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        for widget in (caption, self.reason, self.error, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(420)

    def _on_ok(self) -> None:
        text = self.reason.currentText().strip()
        if not text:
            self.error.setText(self.tr("Say why the appointment is cancelled."))
            self.error.show()
            self.reason.setFocus()
            return
        self.confirmed.emit(self.appointment_id, text)
        self.accept()
