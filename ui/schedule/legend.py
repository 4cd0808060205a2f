"""The key to the status colours, in a strip under the schedule."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from receptionist.schedule.cards import HIDDEN_STATUSES

from . import look
from .frame import card_fonts

GAP = 12


def shown_statuses() -> list[str]:
    """What a card's pill can say on the grid (cancelled ones are not drawn; "late" is
    a booked or confirmed patient whose start has passed today, "unrecorded" one of a
    day that is over whom nobody marked)."""
    statuses = [s for s in look.STATUSES if s not in HIDDEN_STATUSES]
    return [*statuses[:2], "late", "unrecorded", *statuses[2:]]


class StatusLegend(QWidget):
    """One pill per status, in the colours the cards' pills use."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusLegend")
        self.setAccessibleName(self.tr("Status colours"))
        self.setAccessibleDescription(", ".join(self.labels()))

    def labels(self) -> list[str]:
        return [look.status_label(s) for s in shown_statuses()]

    def sizeHint(self) -> QSize:
        fonts = card_fonts(self.font())
        return QSize(400, fonts.fm_small_bold.height() + 8)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.fillRect(self.rect(), look.HEADER_BG)
            fonts = card_fonts(self.font())
            fm, h = fonts.fm_small_bold, fonts.fm_small_bold.height() + 1
            x, y = 8.0, (self.height() - h) / 2
            p.setFont(fonts.small_bold)
            p.setPen(look.AXIS_TEXT)
            title = self.tr("Status:")
            p.drawText(QRectF(x, y, fm.horizontalAdvance(title) + 2, h), title)
            x += fm.horizontalAdvance(title) + GAP
            for status in shown_statuses():
                label = look.status_label(status)
                pill = QRectF(x, y, fm.horizontalAdvance(label) + 10, h)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(look.status_colour(status))
                p.drawRoundedRect(pill, h / 2, h / 2)
                p.setPen(look.CARD_TEXT_LIGHT)
                p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
                x = pill.right() + GAP / 2
        finally:
            p.end()
