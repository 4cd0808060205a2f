"""A colour field: the hex code, a swatch, and a "Pick…" button opening Qt's colour dialog."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QWidget

ColourDialogFactory = Callable[[QColor, QWidget], QColorDialog]


def _default_dialog(colour: QColor, parent: QWidget) -> QColorDialog:
    return QColorDialog(colour, parent)


class ColourField(QWidget):
    def __init__(
        self, parent: QWidget | None = None, dialog_factory: ColourDialogFactory = _default_dialog
    ) -> None:
        super().__init__(parent)
        self._factory = dialog_factory
        self.code = QLineEdit(self)
        self.code.setPlaceholderText("#4a90d9")
        self.code.setMaxLength(9)
        self.code.textChanged.connect(self._paint_swatch)
        self.swatch = QLabel(self)
        self.swatch.setObjectName("colourSwatch")
        self.swatch.setFixedSize(24, 24)
        self.pick = QPushButton(self.tr("Pic&k…"), self)
        self.pick.setObjectName("pickColour")
        self.pick.setAccessibleName(self.tr("Pick a colour"))
        self.pick.setAutoDefault(False)
        self.pick.clicked.connect(self.open_dialog)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.swatch)
        layout.addWidget(self.code, 1)
        layout.addWidget(self.pick)
        self.dialog: QColorDialog | None = None

    def value(self) -> str:
        return self.code.text().strip()

    def set_value(self, colour: str) -> None:
        self.code.setText(colour)

    def _paint_swatch(self, text: str) -> None:
        colour = QColor(text.strip())
        fill = colour.name() if colour.isValid() else "transparent"
        self.swatch.setStyleSheet(f"background: {fill}; border: 1px solid #9aa3b2;")

    def open_dialog(self) -> QColorDialog:
        """Open the colour dialog without blocking; a chosen colour fills the code."""
        current = QColor(self.value())
        self.dialog = self._factory(current if current.isValid() else QColor("#4a90d9"), self)
        self.dialog.colorSelected.connect(lambda c: self.code.setText(c.name()))
        self.dialog.open()
        return self.dialog
