"""What the window shows while the desk is locked: nothing about patients."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from . import icons

ICON_PX = 56


class LockScreen(QWidget):
    def __init__(self, clinic_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAccessibleName(self.tr("The desk is locked"))
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.picture = QLabel(self)  # decoration: the title below says it in words
        self.picture.setObjectName("lockIcon")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.picture)
        self._draw_icon()
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

    def _draw_icon(self) -> None:
        shown = icons.pixmap("locked", ICON_PX, self)
        self.picture.setPixmap(shown)
        self.picture.setVisible(not shown.isNull())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self._draw_icon()
