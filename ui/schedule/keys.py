"""What each key does to the schedule's slot cursor (the widget only dispatches)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from .layout import DayColumn, Geometry
from .viewport import Cell

PLAIN = Qt.KeyboardModifier.NoModifier | Qt.KeyboardModifier.KeypadModifier


def cursor_move(
    key: int, mods: Qt.KeyboardModifier, cell: Cell, geo: Geometry, column: DayColumn | None
) -> Cell | None:
    """Where the cursor goes for ``key``: arrows by a slot or a column, Page Up/Down by the
    hour, Home/End to the start or the last slot of the column's working day. None when
    the key is not a cursor key."""
    if mods & ~PLAIN:
        return None
    col, slot = cell
    per_hour = max(1, 60 // geo.slot_minutes)
    moves = {
        Qt.Key.Key_Up: (col, slot - 1),
        Qt.Key.Key_Down: (col, slot + 1),
        Qt.Key.Key_Left: (col - 1, slot),
        Qt.Key.Key_Right: (col + 1, slot),
        Qt.Key.Key_PageUp: (col, slot - per_hour),
        Qt.Key.Key_PageDown: (col, slot + per_hour),
    }
    if key in moves:
        return moves[Qt.Key(key)]
    if key in (Qt.Key.Key_Home, Qt.Key.Key_End):
        edge = working_edge(column, key == Qt.Key.Key_Home, geo)
        return col, slot if edge is None else edge
    return None


def working_edge(column: DayColumn | None, start: bool, geo: Geometry) -> int | None:
    spans = column.working if column else []
    if not spans:
        return None
    minute = min(a for a, _ in spans) if start else max(b for _, b in spans) - 1
    return minute // geo.slot_minutes
