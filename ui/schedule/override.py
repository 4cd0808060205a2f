"""Asking a manager why a refused move should be made anyway ("Move anyway")."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class OverrideDialog(QDialog):
    """Emits ``confirmed(reason)``; opened with ``open()``, never ``exec()``."""

    confirmed = Signal(str)

    def __init__(self, reasons: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("moveOverrideDialog")
        self.setWindowTitle(self.tr("The new time clashes"))
        layout = QVBoxLayout(self)
        lines = "\n".join(f"• {r}" for r in reasons)
        why = QLabel(self.tr("This move clashes:\n{0}").format(lines), self)
        why.setObjectName("moveConflictReasons")
        why.setWordWrap(True)
        caption = QLabel(self.tr("&Why move it anyway?"), self)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("moveOverrideReason")
        self.reason.setAccessibleName(self.tr("Reason for moving over the clash"))
        caption.setBuddy(self.reason)
        self.error = QLabel(self)
        self.error.setObjectName("formError")
        self.error.hide()
        buttons = QDialogButtonBox(self)
        self.ok = buttons.addButton(self.tr("&Move anyway"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("moveAnyway")
        buttons.addButton(self.tr("&Keep it where it was"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._on_ok)
        buttons.rejected.connect(self.reject)
        for widget in (why, caption, self.reason, self.error, buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(440)

    def _on_ok(self) -> None:
        text = self.reason.text().strip()
        if not text:
            self.error.setText(self.tr("Say why the appointment is moved over the clash."))
            self.error.show()
            self.reason.setFocus()
            return
        self.confirmed.emit(text)
        self.accept()
