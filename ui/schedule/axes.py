"""The parts of the schedule that do not scroll both ways: the column header and the time axis."""

from __future__ import annotations

from PySide6.QtCore import QDate, QLocale, QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPen

from . import look
from .frame import Frame, elided, hhmm, small_font


def paint_header(p: QPainter, f: Frame) -> None:
    g = f.geo
    p.save()
    p.fillRect(QRectF(0, 0, f.width, g.header), look.HEADER_BG)
    p.setClipRect(QRectF(g.gutter, 0, f.width - g.gutter, g.header), Qt.ClipOperation.IntersectClip)
    p.translate(g.gutter - f.dx, 0)
    bold = QFont(f.font)
    bold.setBold(True)
    half = g.header / 2
    for i in f.visible_columns():
        col, x = f.columns[i], i * g.col_width
        if col.day == f.today:
            p.fillRect(QRectF(x, 0, g.col_width, g.header), look.TODAY_HEADER)
        p.fillRect(
            QRectF(x + 4, g.header - 5, g.col_width - 8, 3), look.safe_colour(col.column.colour)
        )
        name_rect = QRectF(
            x + 6, half if f.week else 0, g.col_width - 12, half if f.week else g.header - 4
        )
        p.setFont(f.font if f.week else bold)
        p.setPen(look.HEADER_TEXT)
        elided(p, name_rect, look.column_name(col.column), Qt.AlignmentFlag.AlignCenter)
        if f.week and (i == f.visible_columns().start or f.columns[i - 1].day != col.day):
            _day_label(p, f, i, bold, half)
    p.restore()
    p.setPen(QPen(look.GRID_HOUR, 1))
    p.drawLine(QPointF(0, g.header - 0.5), QPointF(f.width, g.header - 0.5))


def _day_label(p: QPainter, f: Frame, i: int, font: QFont, height: float) -> None:
    """The day's name over its group of columns, kept in view while scrolling sideways."""
    g, day = f.geo, f.columns[i].day
    group = [j for j, c in enumerate(f.columns) if c.day == day]
    left = max(group[0] * g.col_width, f.dx)
    right = (group[-1] + 1) * g.col_width
    p.setFont(font)
    p.setPen(look.HEADER_TEXT)
    label = QLocale().toString(QDate(day.year, day.month, day.day), "ddd d MMM")
    rect = QRectF(left + 6, 2, right - left - 12, height - 2)
    p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)


def paint_gutter(p: QPainter, f: Frame, lo: int, hi: int) -> None:
    g = f.geo
    p.save()
    p.fillRect(QRectF(0, g.header, g.gutter, f.height - g.header), look.HEADER_BG)
    p.setClipRect(
        QRectF(0, g.header, g.gutter, f.height - g.header), Qt.ClipOperation.IntersectClip
    )
    p.translate(0, g.header - f.dy)
    small = small_font(f.font)
    show_now = f.now_minute is not None and any(c.day == f.today for c in f.columns)
    now_y = g.y(f.now_minute or 0)
    for slot in range(lo // g.slot_minutes, min(g.rows, hi // g.slot_minutes + 1)):
        minute = slot * g.slot_minutes
        on_hour = minute % 60 == 0
        under_now = show_now and -14 < g.y(minute) - now_y < 8
        if (not on_hour and g.slot_px < 18) or under_now:
            continue
        p.setFont(f.font if on_hour else small)
        p.setPen(look.AXIS_TEXT if on_hour else look.AXIS_MINOR)
        rect = QRectF(0, g.y(minute) + 1, g.gutter - 8, g.slot_px)
        p.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, hhmm(minute))
    if show_now:
        _now_tag(p, f, small)
    p.restore()
    p.setPen(QPen(look.GRID_HOUR, 1))
    p.drawLine(QPointF(g.gutter - 0.5, 0), QPointF(g.gutter - 0.5, f.height))


def _now_tag(p: QPainter, f: Frame, font: QFont) -> None:
    assert f.now_minute is not None
    y = f.geo.y(f.now_minute)
    rect = QRectF(2, y - 8, f.geo.gutter - 6, 16)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(look.NOW_LINE)
    p.drawRoundedRect(rect, 3, 3)
    p.setFont(font)
    p.setPen(look.CARD_TEXT_LIGHT)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, hhmm(f.now_minute))
