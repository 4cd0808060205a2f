"""The schedule widget: a custom-painted, scrollable grid of slots and appointment cards.

Keyboard first: the arrow keys move a slot cursor (Page Up/Down by the hour, Home/End
to the working day's edges), Enter books a free slot or opens a card, the menu key
(or Shift+F10) opens the card's status menu. The mouse does the same with
double-click and right-click.

Moving: drag a card (or its bottom edge, to resize) - see :mod:`.dragger` - or put it
on the pinboard ("Move…", Ctrl+M, or "Reschedule" in its menu), go to another day, and
press Enter on a free slot (or drag it there from the pinboard). Either way the view
only asks, with ``moveRequested``; saving, refusing and overriding are elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import cast

from PySide6.QtCore import QDate, QEvent, QLocale, QPoint, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QMenu, QToolTip, QWidget

from receptionist.clock import Clock
from receptionist.freetext import printable
from receptionist.schedule import lifecycle
from receptionist.schedule.cards import AgendaItem

from . import cardtext, look
from .cardmenu import VisitActions, build_card_menu
from .cardtext import details, tooltip
from .closed import ClosedNotice
from .drag import Ghost, Move, placed_at, to_move
from .dragger import Dragger
from .frame import Frame, hhmm, span
from .keys import cursor_move
from .layout import DayColumn, Geometry, Placed, first_working_minute, instant_at, local_minutes
from .legend import StatusLegend
from .model import ScheduleModel
from .paint import paint
from .viewport import Cell, Port

MIN_COL_DAY = 150
MIN_COL_WEEK = 112
DEFAULT_START_MINUTE = 8 * 60
BASE_POINTS = 10.0  # the app's usual text (ui/app.py): the schedule's sizes are made for it


class ScheduleView(QAbstractScrollArea):
    bookRequested = Signal(str, object)  # provider id, start (aware UTC datetime)
    roomBookRequested = Signal(str, object)  # room id, start (aware UTC datetime)
    appointmentActivated = Signal(str)
    statusRequested = Signal(str, str)  # appointment id, new status
    cancelRequested = Signal(str)  # appointment id
    openPatientRequested = Signal(str)  # appointment id: its patient's window
    bookNextRequested = Signal(str)  # appointment id: book its patient again
    moveRequested = Signal(object)  # drag.Move
    pinRequested = Signal(str)  # appointment id: put it on the pinboard
    checkRequested = Signal(object)  # drag.Move: a dry run, answered by set_verdict
    cursorMoved = Signal()

    def __init__(self, model: ScheduleModel, clock: Clock, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleView")
        self.setAccessibleName(self.tr("Schedule"))
        # The grid is painted left to right (time axis, then columns); under a
        # right-to-left language the rest of the window mirrors, and this stays whole
        # rather than half-mirrored (text flipped against badges drawn where they are).
        # Mirroring the grid itself belongs to the right-to-left work.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.model = model
        self.clock = clock
        self.geo = Geometry(model.desk.clinic.slot_minutes, 0, MIN_COL_DAY)
        self.slot_cursor = (0, DEFAULT_START_MINUTE // self.geo.slot_minutes)
        self.selected: str | None = None
        self.menu: QMenu | None = None
        self._scrolled_once = False
        self.pinned: dict[str, AgendaItem] = {}  # the pinboard's appointments, by id
        self.carrying: str | None = None  # the pinned one Enter on a free slot places
        self.verdicts: dict[Move, str] = {}  # dry runs of moves: why refused, or ""
        self.dragger = Dragger(self)
        model.loaded.connect(self._on_loaded)
        self._now_timer = QTimer(self)
        self._now_timer.setInterval(30_000)
        self._now_timer.timeout.connect(self.viewport().update)
        self._now_timer.start()
        self.closed = ClosedNotice(self)
        self.legend = StatusLegend(self)
        self.setViewportMargins(0, 0, 0, self.legend.sizeHint().height())
        self.closed.goTo.connect(self._go_to_open_day)

    # --- layout ----------------------------------------------------------------------
    def _relayout(self) -> None:
        columns = self.model.columns
        scale = self.text_scale()
        avail = max(1, self.viewport().width() - round(Geometry.gutter * scale))
        min_w = round((MIN_COL_WEEK if self.model.mode == "week" else MIN_COL_DAY) * scale)
        width = max(min_w, avail // max(1, len(columns)))
        self.geo = Geometry.scaled(self.model.desk.clinic.slot_minutes, len(columns), width, scale)
        body_h = self.viewport().height() - self.geo.header
        self.horizontalScrollBar().setRange(0, max(0, self.geo.width - avail))
        self.horizontalScrollBar().setPageStep(avail)
        self.horizontalScrollBar().setSingleStep(width // 2)
        self.verticalScrollBar().setRange(0, max(0, self.geo.height - body_h))
        self.verticalScrollBar().setPageStep(max(1, body_h))
        self.verticalScrollBar().setSingleStep(self.geo.slot_px)

    def text_scale(self) -> float:
        """How much larger than the app's usual text this view's text is (1 or more):
        rows, columns, gutter and header grow with it, so cards still hold their words."""
        return max(1.0, self.font().pointSizeF() / BASE_POINTS)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # Settings > This PC > Larger text
            bar, before = self.verticalScrollBar(), self.geo
            minute = bar.value() / before.slot_px * before.slot_minutes  # stays on top
            self._relayout()
            bar.setValue(round(self.geo.y(minute)))
            self._place_notice()
            self.viewport().update()

    def _on_loaded(self) -> None:
        self._relayout()
        col, slot = self.slot_cursor
        self.slot_cursor = (
            max(0, min(col, len(self.model.columns) - 1)),
            min(slot, self.geo.rows - 1),
        )
        if not self._scrolled_once and self.model.columns:
            self._scrolled_once = True
            start = first_working_minute(self.model.columns, DEFAULT_START_MINUTE)
            self.verticalScrollBar().setValue(int(self.geo.y(max(0, start - 30))))
            self.slot_cursor = (0, start // self.geo.slot_minutes)
        self._select_at_cursor()
        self.verdicts.clear()
        self.dragger.settle()
        # A closed day with patients still booked on it (a holiday added since): their
        # cards must be seen to be moved, so no notice covers them.
        reopens = None if self.model.items() else self.model.reopens
        self.closed.show_for(self.model.day, reopens)
        self._place_notice()

    def _place_notice(self) -> None:
        self.closed.centre_in(self.viewport(), self.geo.header, self.geo.gutter)
        vp = self.viewport().geometry()
        self.legend.setGeometry(
            vp.left(), vp.bottom() + 1, vp.width(), self.legend.sizeHint().height()
        )

    def _go_to_open_day(self, day: object) -> None:
        if isinstance(day, date):
            self.model.set_day(day)
            self.setFocus()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()
        self._place_notice()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        """Move what is drawn and paint only the strip the scroll uncovers.

        The body moves both ways; the time axis only up and down, and the header only
        sideways (its day names stay pinned to the left edge, so it is redrawn whole).
        """
        vp, g = self.viewport(), self.geo
        body = QRect(g.gutter, g.header, vp.width() - g.gutter, vp.height() - g.header)
        if abs(dx) >= body.width() or abs(dy) >= body.height():
            vp.update()
            return
        vp.scroll(dx, dy, body)
        if dy:
            vp.update(QRect(0, g.header, g.gutter, body.height()))
        if dx:
            vp.update(QRect(0, 0, vp.width(), g.header))

    # --- painting --------------------------------------------------------------------
    def frame(self) -> Frame:
        now = self.clock.now()
        tz = self.model.desk.clinic.tz
        today = now.astimezone(tz).date()
        return Frame(
            geo=self.geo,
            columns=self.model.columns,
            dx=self.horizontalScrollBar().value(),
            dy=self.verticalScrollBar().value(),
            width=self.viewport().width(),
            height=self.viewport().height(),
            font=self.font(),
            week=self.model.mode == "week",
            today=today,
            now_minute=local_minutes(now, today, tz),
            cursor=self.slot_cursor if self.model.columns else None,
            focused=self.hasFocus(),
            selected=self.selected,
            ghost=self.judged(self.dragger.ghost() or self.carried_ghost()),
            pinned=frozenset(self.pinned),
            who=self.who(),
            when=(now, tz),
            alerts=self.model.alerts(),
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setLayoutDirection(Qt.LayoutDirection.LeftToRight)  # see __init__
            frame = self.frame()
            region = event.region()
            whole = region.rectCount() == 1 and region.boundingRect() == self.viewport().rect()
            # QRegion iterates over its rectangles (the stubs do not say so).
            areas = [None] if whole else list(cast(Iterable[QRect], region))
            for area in areas:
                paint(painter, replace(frame, exposed=area))
        finally:
            painter.end()

    # --- hit testing -----------------------------------------------------------------
    def port(self) -> Port:
        h, v, vp = self.horizontalScrollBar(), self.verticalScrollBar(), self.viewport()
        return Port(self.geo, h.value(), v.value(), vp.width(), vp.height())

    def cell_at(self, pos: QPoint) -> Cell | None:
        return self.port().cell_at(pos)

    def card_at(self, pos: QPoint) -> Placed | None:
        return self.port().card_at(self.model.columns, pos)

    def viewport_point(self, col: int, slot: int) -> QPoint:
        """The centre of a slot, in viewport coordinates (tests click here)."""
        return self.port().to_viewport(self.geo.slot_rect(col, slot).center())

    # --- the cursor ------------------------------------------------------------------
    def cursor_column(self) -> DayColumn | None:
        columns = self.model.columns
        return columns[self.slot_cursor[0]] if 0 <= self.slot_cursor[0] < len(columns) else None

    def cursor_start(self) -> datetime | None:
        col = self.cursor_column()
        if col is None:
            return None
        minute = self.slot_cursor[1] * self.geo.slot_minutes
        return instant_at(col.day, minute, self.model.desk.clinic.tz).astimezone(UTC)

    def card_at_cursor(self) -> Placed | None:
        col = self.cursor_column()
        if col is None:
            return None
        lo = self.slot_cursor[1] * self.geo.slot_minutes
        hits = [c for c in col.cards if c.top < lo + self.geo.slot_minutes and c.bottom > lo]
        chosen = next((c for c in hits if c.item.id == self.selected), None)
        return chosen or (hits[0] if hits else None)

    def set_cursor(self, col: int, slot: int) -> None:
        if not self.model.columns:
            return
        col = max(0, min(col, len(self.model.columns) - 1))
        slot = max(0, min(slot, self.geo.rows - 1))
        self.slot_cursor = (col, slot)
        self.model.focus = self.model.columns[col].column.id
        self._select_at_cursor()
        self._ensure_visible(col, slot)
        self.ask_verdict(self.carried_ghost())
        self.viewport().update()
        self.cursorMoved.emit()

    def _select_at_cursor(self) -> None:
        self.selected = None
        card = self.card_at_cursor()
        self.selected = card.item.id if card else None
        self.setAccessibleDescription(self.describe_cursor())

    def describe_cursor(self) -> str:
        """Where the cursor is, in words (the accessible description follows it)."""
        col = self.cursor_column()
        if col is None:
            return self.tr("Nothing to show")
        day = QLocale().toString(
            QDate(col.day.year, col.day.month, col.day.day), QLocale.FormatType.LongFormat
        )
        when = hhmm(self.slot_cursor[1] * self.geo.slot_minutes)
        card = self.card_at_cursor()
        what = cardtext.patient_name(card.item) if card else self.tr("free")
        text = self.tr("{0}, {1} {2}: {3}").format(look.column_name(col.column), day, when, what)
        return printable(text, lines=False)

    def _ensure_visible(self, col: int, slot: int) -> None:
        dx, dy = self.port().scroll_to_show((col, slot))
        self.horizontalScrollBar().setValue(dx)
        self.verticalScrollBar().setValue(dy)

    # --- moving --------------------------------------------------------------------
    def movable(self, item: AgendaItem) -> bool:
        return item.status not in lifecycle.FINAL

    def set_pinned(self, items: list[AgendaItem], carrying: str | None) -> None:
        """What the pinboard holds, and which of them Enter on a free slot would place."""
        self.pinned = {item.id: item for item in items}
        self.carrying = carrying if carrying in self.pinned else None
        self.viewport().update()

    def carried_ghost(self) -> Ghost | None:
        """The carried appointment at the cursor, when the cursor is on a free slot."""
        item = self.pinned.get(self.carrying or "")
        if item is None or not self.model.columns or self.card_at_cursor() is not None:
            return None
        return placed_at(item, *self.slot_cursor, self.geo)

    def judged(self, ghost: Ghost | None) -> Ghost | None:
        """``ghost`` with the clash its dry run found, if one came back."""
        if ghost is None or not self.model.columns:
            return ghost
        clash = self.verdicts.get(to_move(ghost, self.model.columns, self.model.desk.clinic.tz))
        return replace(ghost, clash=clash) if clash else ghost

    def ask_verdict(self, ghost: Ghost | None) -> None:
        """Ask for a dry run of a ghost's move (once per target) to paint it red if it clashes."""
        if ghost is None or not self.model.columns:
            return
        move = to_move(ghost, self.model.columns, self.model.desk.clinic.tz)
        if move not in self.verdicts:
            self.verdicts[move] = ""
            self.checkRequested.emit(move)

    def showing(self, move: Move) -> bool:
        """True while a ghost for ``move`` is on screen (its dry run still matters)."""
        ghost = self.dragger.ghost() or self.carried_ghost()
        tz = self.model.desk.clinic.tz
        return ghost is not None and to_move(ghost, self.model.columns, tz) == move

    def set_verdict(self, move: Move, clash: str) -> None:
        self.verdicts[move] = clash
        self.viewport().update()

    def request_move(self, ghost: Ghost) -> None:
        self.moveRequested.emit(to_move(ghost, self.model.columns, self.model.desk.clinic.tz))

    def pin_selected(self) -> None:
        """ "Move…": put the selected card on the pinboard."""
        card = self.card_at_cursor()
        if card is not None and self.movable(card.item):
            self.pinRequested.emit(card.item.id)

    # --- actions ---------------------------------------------------------------------
    def activate_cursor(self) -> None:
        """Enter or double-click: open the card under the cursor, place the carried
        appointment on the free slot, or book the free slot."""
        card, col, start = self.card_at_cursor(), self.cursor_column(), self.cursor_start()
        carried = self.carried_ghost()
        if carried is not None and self.dragger.pending is None:
            self.dragger.pending = carried
            self.request_move(carried)
        elif card is not None:
            self.appointmentActivated.emit(card.item.id)
        elif col is not None and start is not None:
            signal = self.bookRequested if col.column.kind == "provider" else self.roomBookRequested
            signal.emit(col.column.id, start)

    def open_card_menu(self, card: Placed, global_pos: QPoint) -> QMenu:
        self.menu = build_card_menu(
            self,
            card.item,
            self.statusRequested.emit,
            self.cancelRequested.emit,
            self.pinRequested.emit,
            when=(self.clock.now(), self.model.desk.clinic.tz),
            detail=details(card.item, span(card), self.who().get(card.item.provider_id, "")),
            visit=VisitActions(self.openPatientRequested.emit, self.bookNextRequested.emit),
        )
        self.menu.popup(global_pos)
        return self.menu

    def who(self) -> dict[str, str]:
        """Provider names to put on cards: only where the columns are rooms."""
        return self.model.provider_names() if self.model.kind == "room" else {}

    def tooltip_at(self, pos: QPoint) -> str:
        """The card under ``pos`` in full (a short card shows only the name)."""
        card = self.card_at(pos)
        if card is None:
            return ""
        when = (self.clock.now(), self.model.desk.clinic.tz)
        item = look.shown_item(card.item, when)  # "Late", as the board says
        who = self.who().get(card.item.provider_id, "")
        return tooltip(item, span(card), who, self.model.alerts().get(card.item.id, ""))

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.tooltip_at(event.pos())
            if text:
                QToolTip.showText(event.globalPos(), text, self.viewport())
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().viewportEvent(event)

    # --- input -----------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        target = cursor_move(key, mods, self.slot_cursor, self.geo, self.cursor_column())
        if target is not None:
            self.set_cursor(*target)
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.activate_cursor()
        elif key == Qt.Key.Key_F10 and mods & Qt.KeyboardModifier.ShiftModifier:
            self.menu_at_cursor()
        elif key == Qt.Key.Key_Escape and self.dragger.cancel():
            return
        else:
            super().keyPressEvent(event)

    def menu_at_cursor(self) -> None:
        card = self.card_at_cursor()
        if card is not None:
            corner = self.geo.card_rect(self.slot_cursor[0], card).topLeft() + QPointF(8, 8)
            self.open_card_menu(card, self.viewport().mapToGlobal(self.port().to_viewport(corner)))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        cell = self.cell_at(pos)
        if cell is not None:
            card = self.card_at(pos)
            self.set_cursor(*cell)
            if card is not None:
                self.selected = card.item.id
                self.viewport().update()
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.cell_at(event.position().toPoint()):
            self.mousePressEvent(event)
            self.activate_cursor()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            self.menu_at_cursor()
            return
        card = self.card_at(event.pos())
        if card is not None:
            cell = self.cell_at(event.pos())
            if cell is not None:
                self.set_cursor(*cell)
            self.selected = card.item.id
            self.open_card_menu(card, event.globalPos())
