"""The mouse side of moving cards: drag a card's body to move it, its bottom edge to
resize it, or drop an appointment dragged from the pinboard onto a slot.

An event filter on the schedule's viewport, so the view keeps its plain clicks. While
the mouse moves, the view paints a ghost where the card would land (snapped to the
slot grid); on release the view asks for the :class:`~.drag.Move` and the ghost stays
until the worker answers: a saved move reloads the schedule, a refused one snaps back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt
from PySide6.QtGui import QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from receptionist.schedule.cards import AgendaItem

from . import drag
from .drag import Drag, Ghost

if TYPE_CHECKING:
    from .view import ScheduleView

MIME = "application/x-receptionist-appointment"


def mime_for(appointment_id: str) -> QMimeData:
    data = QMimeData()
    data.setData(MIME, appointment_id.encode("ascii"))
    return data


class Dragger(QObject):
    def __init__(self, view: ScheduleView) -> None:
        super().__init__(view)
        self.view = view
        self.drag: Drag | None = None
        self.pending: Ghost | None = None  # released, waiting for the worker's answer
        self.dropping: Ghost | None = None  # a pinboard drag hovering over a slot
        self._press: tuple[QPoint, Drag] | None = None
        view.viewport().setMouseTracking(True)
        view.viewport().setAcceptDrops(True)
        view.viewport().installEventFilter(self)

    def ghost(self) -> Ghost | None:
        if self.drag is not None and self.drag.moved():
            return self.drag.ghost
        return self.dropping or self.pending

    def cancel(self) -> bool:
        """Escape: drop the card where it was. True when there was a drag to cancel."""
        held = self.drag is not None or self._press is not None
        self.drag, self._press = None, None
        self.view.viewport().unsetCursor()
        self.view.viewport().update()
        return held

    def settle(self) -> None:
        """The worker answered: forget the pending ghost (the card snaps back or moves)."""
        self.pending = None
        self.view.viewport().update()

    # --- the event filter ------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            self._on_press(event)
        elif kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            return self._on_move(event)
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            return self._on_release()
        elif kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragMoveEvent)
            self._on_drag_over(event)
            return True
        elif kind == QEvent.Type.DragLeave:
            self.dropping = None
            self.view.viewport().update()
            return True
        elif kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            self._on_drop(event)
            return True
        return False

    # --- dragging a card -------------------------------------------------------------
    def _on_press(self, event: QMouseEvent) -> None:
        self.drag, self._press = None, None
        pos = event.position().toPoint()
        if event.button() != Qt.MouseButton.LeftButton or self.pending is not None:
            return
        port, cell = self.view.port(), self.view.cell_at(pos)
        card, point = self.view.card_at(pos), port.content_point(pos)
        if card is None or cell is None or point is None or not self.view.movable(card.item):
            return
        edge = drag.is_edge(self.view.geo, cell[0], card, point)
        self._press = (pos, drag.start(self.view.geo, cell[0], card, point, edge))

    def _on_move(self, event: QMouseEvent) -> bool:
        pos = event.position().toPoint()
        if self._press is None:
            self._hover(pos)
            return False
        start, grabbed = self._press
        if self.drag is None:
            if (pos - start).manhattanLength() < QApplication.startDragDistance():
                return True
            self.drag = grabbed
        point = self.view.port().content_point(pos)
        if point is not None:
            col = self.view.geo.col_at(point.x())
            self.drag = drag.follow(self.view.geo, self.drag, col, point)
            if self.drag.moved():
                self.view.ask_verdict(self.drag.ghost)
        shape = (
            Qt.CursorShape.SizeVerCursor
            if self.drag.mode == "resize"
            else Qt.CursorShape.ClosedHandCursor
        )
        self.view.viewport().setCursor(shape)
        self.view.viewport().update()
        return True

    def _on_release(self) -> bool:
        held, self.drag, self._press = self.drag, None, None
        self.view.viewport().unsetCursor()
        if held is None:
            return False
        if held.moved():
            self.pending = held.ghost
            self.view.request_move(held.ghost)
        self.view.viewport().update()
        return True

    def _hover(self, pos: QPoint) -> None:
        """Show the resize cursor over a card's bottom edge, the hand over its body."""
        cell, card = self.view.cell_at(pos), self.view.card_at(pos)
        point = self.view.port().content_point(pos)
        vp = self.view.viewport()
        if card is None or cell is None or point is None or not self.view.movable(card.item):
            vp.unsetCursor()
        elif drag.is_edge(self.view.geo, cell[0], card, point):
            vp.setCursor(Qt.CursorShape.SizeVerCursor)
        else:
            vp.setCursor(Qt.CursorShape.OpenHandCursor)

    # --- dropping from the pinboard --------------------------------------------------
    def _carried(self, event: QDropEvent) -> AgendaItem | None:
        data = event.mimeData()
        if not data.hasFormat(MIME):
            return None
        return self.view.pinned.get(bytes(data.data(MIME).data()).decode("ascii"))

    def _drop_ghost(self, event: QDropEvent) -> Ghost | None:
        item, cell = self._carried(event), self.view.cell_at(event.position().toPoint())
        if item is None or cell is None:
            return None
        return drag.placed_at(item, cell[0], cell[1], self.view.geo)

    def _on_drag_over(self, event: QDragMoveEvent) -> None:
        self.dropping = self._drop_ghost(event)
        self.view.ask_verdict(self.dropping)
        if self.dropping is None:
            event.ignore()
        else:
            event.setDropAction(Qt.DropAction.CopyAction)  # the pinboard keeps its row
            event.accept()
        self.view.viewport().update()

    def _on_drop(self, event: QDropEvent) -> None:
        ghost, self.dropping = self._drop_ghost(event), None
        if ghost is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.pending = ghost
        self.view.request_move(ghost)
        self.view.viewport().update()
