"""Between the schedule's viewport (what the mouse sees) and its content (slots, cards).

A :class:`Port` is the geometry plus the scroll offsets of one moment: hit tests,
the points tests click at, and the scroll that brings a slot into view.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF

from .layout import DayColumn, Geometry, Placed

Cell = tuple[int, int]  # (column index, slot index)


@dataclass(frozen=True)
class Port:
    geo: Geometry
    dx: int
    dy: int
    width: int
    height: int

    def content_point(self, pos: QPoint) -> QPointF | None:
        """A viewport point in content coordinates; None over the header or the gutter."""
        g = self.geo
        if pos.x() < g.gutter or pos.y() < g.header:
            return None
        return QPointF(pos.x() - g.gutter + self.dx, pos.y() - g.header + self.dy)

    def cell_at(self, pos: QPoint) -> Cell | None:
        point = self.content_point(pos)
        col = None if point is None else self.geo.col_at(point.x())
        if point is None or col is None:
            return None
        return col, self.geo.slot_at(point.y())

    def card_at(self, columns: list[DayColumn], pos: QPoint) -> Placed | None:
        cell, point = self.cell_at(pos), self.content_point(pos)
        if cell is None or point is None or cell[0] >= len(columns):
            return None
        rect = self.geo.card_rect
        return next((c for c in columns[cell[0]].cards if rect(cell[0], c).contains(point)), None)

    def to_viewport(self, point: QPointF) -> QPoint:
        return QPoint(
            int(point.x() + self.geo.gutter - self.dx), int(point.y() + self.geo.header - self.dy)
        )

    def scroll_to_show(self, cell: Cell) -> tuple[int, int]:
        """The (horizontal, vertical) scroll values that bring ``cell`` fully into view."""
        rect = self.geo.slot_rect(*cell)
        body_w, body_h = self.width - self.geo.gutter, self.height - self.geo.header
        dx, dy = self.dx, self.dy
        if rect.left() < dx:
            dx = int(rect.left())
        elif rect.right() > dx + body_w:
            dx = int(rect.right() - body_w)
        if rect.top() < dy:
            dy = int(rect.top())
        elif rect.bottom() > dy + body_h:
            dy = int(rect.bottom() - body_h) + 1
        return dx, dy
