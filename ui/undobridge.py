"""The desk's Undo line: whoever saves an undoable change tells the window's Undo
through it. One per desk (``Desk.undo``), so two desks in one process (tests, a
second clinic) never offer each other's changes."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class UndoBridge(QObject):
    offered = Signal(object, str)  # Undo, what was done
    starting = Signal()  # a new undoable change is on its way to the worker
