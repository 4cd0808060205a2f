"""Over the grid of a day the clinic is closed: a word saying so, and the next open day."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QLocale, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget


def long_day(day: date) -> str:
    return QLocale().toString(QDate(day.year, day.month, day.day), "dddd d MMMM")


MAX_WIDTH = 560


class ClosedNotice(QFrame):
    """Shown centred over the schedule's body while it shows a closed day."""

    goTo = Signal(object)  # the next open day (a date)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("closedNotice")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.label = QLabel(self)
        self.label.setObjectName("closedLabel")
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        font = self.label.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.label.setFont(font)
        self.button = QPushButton(self)
        self.button.setObjectName("nextOpenDayButton")
        self.button.clicked.connect(lambda: self.goTo.emit(self._next))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        layout.addWidget(self.label)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        self._next: date | None = None
        self.hide()

    def show_for(self, day: date, reopens: date | None) -> None:
        """Say ``day`` is closed and offer ``reopens``; hide when ``reopens`` is None."""
        self._next = reopens
        if reopens is None:
            self.hide()
            return
        self.label.setText(self.tr("The clinic is closed on {0}.").format(long_day(day)))
        later = reopens > day
        if later:
            short = QLocale().toString(QDate(reopens.year, reopens.month, reopens.day), "ddd d MMM")
            self.button.setText(self.tr("&Go to the next open day: {0}").format(short))
        self.button.setVisible(later)
        self.label.setAccessibleName(self.label.text())
        wide = self.label.fontMetrics().horizontalAdvance(self.label.text()) + 8
        self.label.setMinimumWidth(min(wide, MAX_WIDTH))  # one line where it fits
        self.adjustSize()
        self.show()
        self.raise_()

    def centre_in(self, area: QWidget, top: int, left: int) -> None:
        """Centre over ``area``'s part below ``top`` and right of ``left`` (the body)."""
        self.adjustSize()
        geo = area.geometry()
        x = geo.x() + left + (geo.width() - left - self.width()) // 2
        y = geo.y() + top + (geo.height() - top - self.height()) // 3
        self.move(max(geo.x(), x), max(geo.y(), y))
