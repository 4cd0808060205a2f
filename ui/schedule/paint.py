"""Painting the schedule: only the columns and minutes that are on screen.

The view builds a :class:`Frame` (what is visible, where the cursor and "now" are)
and calls :func:`paint`. Body drawing happens in content coordinates, translated by
the scroll offsets; the header and the time gutter stay put.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygonF

from . import look
from .axes import paint_gutter, paint_header
from .cardtext import DOT_W, PILL_GAP, Badge, CardText, card_text, patient_name, pill_width
from .drag import Ghost
from .frame import CardFonts, Frame, card_fonts, elided, hhmm, small_font, span
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
    _now_line(p, f)  # under the cards: it never strikes through their text
    for i in f.visible_columns():
        for card in f.columns[i].cards:
            if card.bottom > lo and card.top < hi:
                _card(p, f, i, card)
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
    item = look.shown_item(card.item, f.when)
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
    fonts = card_fonts(f.font)
    who = f.who.get(item.provider_id, "")
    said = card_text(item, span(card), inner.width(), inner.height(), fonts, who)
    _card_text(p, inner, said, fonts, text)
    _badge(p, rect, inner, said.badge, item.status, fonts)
    if item.id in f.alerts:
        _alert_mark(p, rect)


def _alert_mark(p: QPainter, rect: QRectF) -> None:
    """The patient has a front-desk alert (its text is in the tooltip): a dark amber
    corner over the card's top-left, clear of the name."""
    size = look.ALERT_MARK
    corner = QPolygonF(
        [rect.topLeft(), QPointF(rect.left() + size, rect.top()),
         QPointF(rect.left(), rect.top() + size)]
    )  # fmt: skip
    p.setPen(QPen(look.CARD_TEXT_LIGHT, 1))
    p.setBrush(look.ALERT)
    p.drawPolygon(corner)


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
    bottom_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom
    elided(p, rect.adjusted(8, 2, -4, -2), ghost_label(ghost), bottom_left)


def ghost_label(ghost: Ghost) -> str:
    """What a dragged card's ghost says: its new time, whose it is, and why the move
    would be refused (if it would)."""
    label = f"{hhmm(ghost.top)}–{hhmm(ghost.bottom)} · {patient_name(ghost.item)}"
    return f"{label} · {ghost.clash}" if ghost.clash else label


def _badge(
    p: QPainter, rect: QRectF, inner: QRectF, badge: Badge, status: str, fonts: CardFonts
) -> None:
    """The status: a pill top right (or on the second line), a dot, or a bottom bar."""
    colour = look.status_colour(status)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    if badge == "bar":
        p.fillRect(QRectF(rect.left() + 4, rect.bottom() - 3, rect.width() - 5, 3), colour)
        return
    if badge == "dot":
        p.drawEllipse(QRectF(inner.right() - 10, inner.top() + 4, 8, 8))
        return
    w, h = pill_width(status, fonts), fonts.fm_small_bold.height() + 1
    top = inner.top() + 1 + (fonts.fm_bold.height() if badge == "pill_below" else 0)
    pill = QRectF(inner.right() - w, top, w, h)
    p.drawRoundedRect(pill, h / 2, h / 2)
    p.setFont(fonts.small_bold)
    p.setPen(look.CARD_TEXT_LIGHT)
    p.drawText(pill, Qt.AlignmentFlag.AlignCenter, look.status_label(status))


def _card_text(
    p: QPainter, inner: QRectF, said: CardText, fonts: CardFonts, colour: QColor
) -> None:
    """The name on the first line, beside the pill or dot if one is there; the details
    below it, beside the pill if it moved down."""
    pill = pill_width(said.status, fonts) + PILL_GAP
    beside = {"pill": pill, "dot": DOT_W}.get(said.badge, 0)
    p.setPen(colour)
    p.setFont(fonts.bold)
    top = QRectF(inner.left(), inner.top(), inner.width() - beside, fonts.fm_bold.height())
    left_middle = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    elided(p, top, said.first, left_middle, fonts.fm_bold)
    if said.second is None:
        return
    p.setFont(fonts.plain)
    below = pill if said.badge == "pill_below" else 0
    left_top = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
    y, line_h = top.bottom(), fonts.fm.height()
    for n, line in enumerate(said.second.split("\n")):
        width = inner.width() - (below if n == 0 else 0)
        elided(p, QRectF(inner.left(), y, width, line_h), line, left_top, fonts.fm)
        y += line_h


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
