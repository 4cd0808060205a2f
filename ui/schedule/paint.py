"""Painting the schedule: only the columns and minutes that are on screen.

The view builds a :class:`Frame` (what is visible, where the cursor and "now" are)
and calls :func:`paint`. Body drawing happens in content coordinates, translated by
the scroll offsets; the header and the time gutter stay put.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from . import look
from .axes import paint_gutter, paint_header
from .drag import Ghost
from .frame import Frame, card_fonts, elided, hhmm, small_font
from .layout import Placed


def paint(p: QPainter, f: Frame) -> None:
    """Paint ``f.area``: the parts of the body, header and gutter it touches, nothing else.

    Clipped to the area, so a card half inside it is drawn once, not blended twice.
    """
    area, g = f.area, f.geo
    p.setClipRect(area)
    p.fillRect(area, look.OFF_HOURS)
    lo, hi = f.visible_minutes()
    if area.right() >= g.gutter and area.bottom() >= g.header:
        _body(p, f, lo, hi)
    if area.top() < g.header:
        paint_header(p, f)
    if area.left() < g.gutter and area.bottom() >= g.header:
        paint_gutter(p, f, lo, hi)


def _body(p: QPainter, f: Frame, lo: int, hi: int) -> None:
    p.save()
    p.setClipRect(f.body, Qt.ClipOperation.IntersectClip)
    p.translate(f.geo.gutter - f.dx, f.geo.header - f.dy)
    for i in f.visible_columns():
        _column_background(p, f, i, lo, hi)
    _grid(p, f, lo, hi)
    for i in f.visible_columns():
        for card in f.columns[i].cards:
            if card.bottom > lo and card.top < hi:
                _card(p, f, i, card)
    _now_line(p, f)
    _cursor(p, f)
    if f.ghost is not None and f.ghost.col in f.visible_columns():
        _ghost(p, f, f.ghost)
    p.restore()


def _column_background(p: QPainter, f: Frame, i: int, lo: int, hi: int) -> None:
    g, col = f.geo, f.columns[i]
    x = i * g.col_width
    for start, end in col.working:
        if end > lo and start < hi:
            p.fillRect(QRectF(x, g.y(start), g.col_width, g.y(end) - g.y(start)), look.WORKING)
    for start, end, kind in col.blocked:
        if end <= lo or start >= hi:
            continue
        rect = QRectF(x, g.y(start), g.col_width, g.y(end) - g.y(start))
        p.fillRect(rect, look.BLOCKED_FILL)
        p.fillRect(rect, QBrush(look.BLOCKED_HATCH, Qt.BrushStyle.BDiagPattern))
        if rect.height() >= g.slot_px:
            label = _block_label(kind)
            p.setPen(look.AXIS_TEXT)
            p.setFont(small_font(f.font))
            p.drawText(rect.adjusted(6, 2, -6, 0), Qt.AlignmentFlag.AlignTop, label)


def _block_label(kind: str) -> str:
    if kind == "time_off":
        return QCoreApplication.translate("schedule", "Time off")
    return QCoreApplication.translate("schedule", "Blocked")


def _grid(p: QPainter, f: Frame, lo: int, hi: int) -> None:
    g = f.geo
    cols = f.visible_columns()
    if not cols:
        return
    x0, x1 = cols.start * g.col_width, cols.stop * g.col_width
    first_slot = lo // g.slot_minutes
    for slot in range(first_slot, min(g.rows, hi // g.slot_minutes + 1)):
        minute = slot * g.slot_minutes
        p.setPen(QPen(look.GRID_HOUR if minute % 60 == 0 else look.GRID_SLOT, 1))
        y = g.y(minute)
        p.drawLine(QPointF(x0, y), QPointF(x1, y))
    top, bottom = g.y(lo), g.y(hi)
    for i in cols:
        day_edge = f.week and i > 0 and f.columns[i - 1].day != f.columns[i].day
        p.setPen(QPen(look.DAY_SEPARATOR if day_edge else look.GRID_HOUR, 2 if day_edge else 1))
        x = i * g.col_width
        p.drawLine(QPointF(x, top), QPointF(x, bottom))


def _card(p: QPainter, f: Frame, i: int, card: Placed) -> None:
    rect = f.geo.card_rect(i, card)
    item = card.item
    fill, edge, outline, text = look.card_colours(item.service_colour)
    p.setPen(QPen(outline, 1))
    p.setBrush(fill)
    p.drawRoundedRect(rect, 4, 4)
    p.fillRect(QRectF(rect.left(), rect.top(), 4, rect.height()), edge)
    if item.status == "no_show":
        p.fillRect(rect, QBrush(look.status_colour("no_show"), Qt.BrushStyle.FDiagPattern))
    if f.selected == item.id:
        p.setPen(QPen(look.CURSOR, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
    if item.id in f.pinned:
        p.setPen(QPen(look.PINNED, 2, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
    inner = rect.adjusted(8, 2, -4, -2)
    badge = _badge(p, f, inner, item.status)
    _card_text(p, f, inner, badge, card, text)


def _ghost(p: QPainter, f: Frame, ghost: Ghost) -> None:
    """A see-through card where the dragged one would land, with its new times."""
    g = f.geo
    rect = QRectF(
        ghost.col * g.col_width + 4,
        g.y(ghost.top) + 1,
        g.col_width - 8,
        max(g.y(ghost.bottom) - g.y(ghost.top) - 2, 6),
    )
    colour = QColor(look.GHOST_REFUSED if ghost.clash else look.GHOST)
    fill = QColor(colour)
    fill.setAlpha(60)
    p.setPen(QPen(colour, 2, Qt.PenStyle.DashLine))
    p.setBrush(fill)
    p.drawRoundedRect(rect, 4, 4)
    p.setFont(small_font(f.font, bold=True))
    p.setPen(colour.darker(140))
    label = f"{hhmm(ghost.top)}–{hhmm(ghost.bottom)} · {ghost.item.patient_name}"
    if ghost.clash:
        label = f"{label} · {ghost.clash}"
    bottom_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
    elided(p, rect.adjusted(8, 2, -4, -2), label, bottom_left)


def _badge(p: QPainter, f: Frame, inner: QRectF, status: str) -> float:
    """Draw the status badge at the card's top right; returns the width it took."""
    fonts = card_fonts(f.font)
    small, fm = fonts.small_bold, fonts.fm_small_bold
    label = look.status_label(status)
    colour = look.status_colour(status)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    if inner.width() < fm.horizontalAdvance(label) + 70:  # too narrow: a dot says it
        p.drawEllipse(QRectF(inner.right() - 10, inner.top() + 3, 8, 8))
        return 14
    w, h = fm.horizontalAdvance(label) + 10, fm.height() + 1
    pill = QRectF(inner.right() - w, inner.top() + 1, w, h)
    p.drawRoundedRect(pill, h / 2, h / 2)
    p.setFont(small)
    p.setPen(look.CARD_TEXT_LIGHT)
    p.drawText(pill, Qt.AlignmentFlag.AlignCenter, label)
    return w + 4


def _card_text(
    p: QPainter, f: Frame, inner: QRectF, badge: float, card: Placed, colour: QColor
) -> None:
    fonts = card_fonts(f.font)
    bold, fm_bold, fm = fonts.bold, fonts.fm_bold, fonts.fm
    item = card.item
    span = f"{hhmm(card.top)}–{hhmm(card.bottom)}"
    two_lines = inner.height() >= fm_bold.height() + fm.height()
    p.setPen(colour)
    p.setFont(bold)
    first = item.patient_name if two_lines else f"{item.patient_name} · {item.service_name}"
    top = QRectF(inner.left(), inner.top(), inner.width() - badge, fm_bold.height())
    elided(p, top, first, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, fm_bold)
    if not two_lines:
        return
    p.setFont(f.font)
    rest = QRectF(inner.left(), top.bottom(), inner.width(), inner.height() - top.height())
    second = f"{item.service_name} · {span}"
    elided(p, rest, second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, fm)


def _now_line(p: QPainter, f: Frame) -> None:
    if f.now_minute is None:
        return
    y = f.geo.y(f.now_minute)
    p.setPen(QPen(look.NOW_LINE, 2))
    for i in f.visible_columns():
        if f.columns[i].day == f.today:
            x = i * f.geo.col_width
            p.drawLine(QPointF(x, y), QPointF(x + f.geo.col_width, y))


def _cursor(p: QPainter, f: Frame) -> None:
    if f.cursor is None or f.cursor[0] not in f.visible_columns():
        return
    colour = QColor(look.CURSOR)
    colour.setAlpha(255 if f.focused else 110)
    p.setPen(QPen(colour, 2))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(f.geo.slot_rect(*f.cursor).adjusted(1, 1, -1, -1))
