"""Asking why an appointment is cancelled (the core will not cancel without a reason).

The question names the visit - whose, on which day, at what time - and the safe
answer, "Keep appointment", is the default: Enter keeps it.
"""

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

    def __init__(
        self, appointment_id: str, who: str, parent: QWidget | None = None, when: str = ""
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cancelDialog")
        self.setWindowTitle(self.tr("Cancel appointment"))
        self.appointment_id = appointment_id
        layout = QVBoxLayout(self)
        if when:
            text = self.tr("Cancel the appointment of {0} on {1}?").format(who, when)
        else:
            text = self.tr("Cancel the appointment of {0}?").format(who)
        self.question = QLabel(text, self)
        self.question.setObjectName("cancelQuestion")
        self.question.setWordWrap(True)
        layout.addWidget(self.question)
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
        self.keep = buttons.addButton(
            self.tr("Keep appointment"), QDialogButtonBox.ButtonRole.RejectRole
        )
        self.keep.setObjectName("keepAppointment")
        self.ok.setAutoDefault(False)
        self.keep.setDefault(True)  # Enter keeps the appointment
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
