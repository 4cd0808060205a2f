"""What the window shows while the desk is locked: nothing about patients."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class LockScreen(QWidget):
    def __init__(self, clinic_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAccessibleName(self.tr("The desk is locked"))
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(self.tr("The desk is locked"), self)
        title.setObjectName("lockTitle")
        detail = QLabel(self.tr("Sign in to carry on. Nothing you were doing is lost."), self)
        detail.setObjectName("lockDetail")
        name = QLabel(clinic_name, self)
        name.setObjectName("lockClinic")
        for label in (title, detail, name):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(6)
