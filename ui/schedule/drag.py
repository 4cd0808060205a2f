"""Where a dragged card would land: the slot grid, the ghost, and the move it asks for.

Pure arithmetic over the layout; the view feeds it pointer positions in content
coordinates and paints the :class:`Ghost`. A drag grabs a card either by its body
(a move: to another time, or another column) or by its bottom edge (a resize).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF

from receptionist.schedule.agenda import ColumnKind
from receptionist.schedule.cards import AgendaItem

from .layout import DAY_MINUTES, DayColumn, Geometry, Placed, instant_at

EDGE_PX = 6  # how close to a card's bottom edge a press starts a resize
Mode = Literal["move", "resize"]


@dataclass(frozen=True)
class Ghost:
    """Where the card would go: column index, minutes from local midnight."""

    item: AgendaItem
    col: int
    top: int
    bottom: int
    clash: str = ""  # why a dry run of the move was refused (painted red)


@dataclass(frozen=True)
class Move:
    """A reschedule the user asked for: the appointment into a column, at a time."""

    item: AgendaItem
    kind: ColumnKind
    column_id: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC

    @property
    def appointment_id(self) -> str:
        return self.item.id


@dataclass(frozen=True)
class Drag:
    """A card held by the mouse: where it was grabbed, and where it would land now."""

    mode: Mode
    item: AgendaItem
    origin: Ghost
    grab: float  # minutes from the card's top to the pointer at the press
    ghost: Ghost

    def moved(self) -> bool:
        o, g = self.origin, self.ghost
        return (o.col, o.top, o.bottom) != (g.col, g.top, g.bottom)


def is_edge(geo: Geometry, col: int, card: Placed, point: QPointF) -> bool:
    """True when ``point`` (content coordinates) is on the card's bottom edge."""
    rect = geo.card_rect(col, card)
    zone = min(EDGE_PX, rect.height() / 4)
    return rect.contains(point) and rect.bottom() - point.y() <= zone


def minute_at(geo: Geometry, y: float) -> float:
    return y / geo.slot_px * geo.slot_minutes


def snap(geo: Geometry, minute: float) -> int:
    """The slot boundary nearest to ``minute``."""
    return round(minute / geo.slot_minutes) * geo.slot_minutes


def length(item: AgendaItem) -> int:
    return max(1, round((item.end_utc - item.start_utc).total_seconds() / 60))


def start(geo: Geometry, col: int, card: Placed, point: QPointF, edge: bool) -> Drag:
    origin = Ghost(card.item, col, card.top, card.bottom)
    grab = minute_at(geo, point.y()) - card.top
    return Drag("resize" if edge else "move", card.item, origin, grab, origin)


def follow(geo: Geometry, drag: Drag, col: int | None, point: QPointF) -> Drag:
    """``drag`` with its ghost under the pointer, snapped to the slot grid."""
    g = drag.ghost
    pointer = minute_at(geo, point.y())
    if drag.mode == "resize":
        bottom = min(DAY_MINUTES, max(g.top + geo.slot_minutes, snap(geo, pointer)))
        return replace(drag, ghost=Ghost(g.item, g.col, g.top, bottom))
    span = length(drag.item)
    top = min(DAY_MINUTES - span, max(0, snap(geo, pointer - drag.grab)))
    target = g.col if col is None else col
    return replace(drag, ghost=Ghost(g.item, target, top, top + span))


def placed_at(item: AgendaItem, col: int, slot: int, geo: Geometry) -> Ghost:
    """``item`` (from the pinboard) put at a slot, keeping its length."""
    top = min(DAY_MINUTES - length(item), slot * geo.slot_minutes)
    return Ghost(item, col, top, top + length(item))


def to_move(ghost: Ghost, columns: list[DayColumn], tz: ZoneInfo) -> Move:
    column = columns[ghost.col]
    return Move(
        ghost.item,
        column.column.kind,
        column.column.id,
        _instant(column, ghost.top, tz),
        _instant(column, ghost.bottom, tz),
    )


def _instant(column: DayColumn, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant ``minute`` minutes into the column's day (1440 is the next midnight)."""
    late = max(0, minute - (DAY_MINUTES - 1))  # instant_at cannot say 24:00
    local = instant_at(column.day, minute - late, tz)
    return local.astimezone(UTC) + timedelta(minutes=late)
