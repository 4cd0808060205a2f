"""The today board (``todayBoard``): who is expected, who waits and for how long, who is in.

A panel, docked beside the schedule (:mod:`ui.today.panel`). Rows that need the desk
come first (late, waiting, in a room), the finished ones folded under "Completed (n)",
which opens them. Keys on the table: A arrived, R in the room, C completed, N no-show
(late), F5 reload. Every change goes through the core (``ops.undo.mark``: undoable,
Ctrl+Z or the status bar's Undo) on the worker; the waiting times move with the
injected clock every ``tick_ms`` (30 s) without touching the database.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QLocale, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from receptionist.ops import today
from receptionist.ops import undo as undo_ops
from receptionist.ops.today import BoardRow
from receptionist.ops.undo import Done
from receptionist.schedule import lifecycle

from .. import icons, messages, undo
from ..actions import local_action
from ..desk import Desk
from ..events import Refresh
from ..rowsmodel import rows_table
from ..schedule import look
from ..tasks import DbOp
from .boardmodel import DEFAULT_THRESHOLD_MINUTES, FINISHED, ID_ROLE, BoardModel, group

TICK_MS = 30_000
# (status, shortcut): the board's actions, in the order the day goes.
MARKS = (("arrived", "A"), ("in_room", "R"), ("completed", "C"), ("no_show", "N"))


class TodayBoard(QWidget):
    """The panel's content; ``changed(appointment_id, status)`` after a save."""

    changed = Signal(str, str)
    loaded = Signal()

    def __init__(
        self,
        desk: Desk,
        parent: QWidget | None = None,
        *,
        threshold_minutes: int | None = None,
        tick_ms: int = TICK_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("todayBoard")
        self.setAccessibleName(self.tr("Today board"))
        self.desk = desk
        self.day: date = desk.today()
        # None: the clinic's setting (Settings > Clinic > Waiting alert), followed live.
        self.fixed_threshold = threshold_minutes
        self.model = BoardModel(desk.clinic.tz, desk.clock.now(), self._threshold(), self)
        self.heading = QLabel(self)
        self.heading.setObjectName("dialogHeading")
        self.summary = QLabel(self)
        self.summary.setObjectName("boardSummary")
        self.table = self._make_table()
        self.marks = {status: self._mark_action(status, key) for status, key in MARKS}
        self.reload_action = self._action(
            self.tr("Reload  [F5]"), "F5", self.tr("Load the day again"), "refresh"
        )
        self.reload_action.triggered.connect(self.reload)
        self.fold = self._fold_button()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(self._top())
        layout.addWidget(self.summary)
        layout.addLayout(self._buttons())
        layout.addWidget(self.table, 1)
        layout.addWidget(self.fold)
        self.timer = QTimer(self)
        self.timer.setObjectName("boardTimer")
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)
        Refresh(desk.events, ("appointment", "patient", "room", "provider"), self._changed, self)
        self.table.selectionModel().currentRowChanged.connect(self._sync_actions)
        self._sync_actions()

    def _make_table(self) -> QTableView:
        return rows_table(
            self, self.model, self.tr("Today's appointments"), name="todayTable", stretch_column=1
        )

    def _action(self, text: str, key: str, tip: str, icon: str | None = None) -> QAction:
        return local_action(self, text, key, tip, icon)

    def _mark_action(self, status: str, key: str) -> QAction:
        label = look.status_label(status)
        tip = self.tr("Mark the patient as: {0}").format(label)
        icon = icons.CARD_MENU_ICONS.get(f"status_{status}")
        action = self._action(self.tr("{0}  [{1}]").format(label, key), key, tip, icon)
        action.setObjectName(f"mark_{status}")
        action.triggered.connect(lambda: self.mark(status))
        return action

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for action in self.marks.values():
            row.addWidget(self._button(action, Qt.ToolButtonStyle.ToolButtonTextBesideIcon))
        row.addStretch(1)
        return row

    def _top(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(self.heading, 1)
        row.addWidget(self._button(self.reload_action, Qt.ToolButtonStyle.ToolButtonIconOnly))
        return row

    def _button(self, action: QAction, style: Qt.ToolButtonStyle) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setToolButtonStyle(style)
        button.setAutoRaise(style == Qt.ToolButtonStyle.ToolButtonIconOnly)
        return button

    def _fold_button(self) -> QToolButton:
        """ "Completed (n)": the finished rows, folded until it is opened."""
        button = QToolButton(self)
        button.setObjectName("foldFinished")
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setArrowType(Qt.ArrowType.RightArrow)
        button.setToolTip(self.tr("Show or fold the visits that are over"))
        button.setAccessibleName(self.tr("Completed visits"))
        button.toggled.connect(self._fold)
        return button

    def _fold(self) -> None:
        """Hide the finished rows unless the fold is open; keep the cursor on a shown row."""
        opened = self.fold.isChecked()
        now = self.model.now
        for i, row in enumerate(self.model.rows()):
            self.table.setRowHidden(i, not opened and group(row, now, self.model.tz) == FINISHED)
        self.fold.setArrowType(Qt.ArrowType.DownArrow if opened else Qt.ArrowType.RightArrow)
        finished = self.model.finished()
        self.fold.setVisible(bool(finished))
        if any(r.status == "no_show" for r in finished):
            text = self.tr("Completed and no-shows ({0})")
        else:
            text = self.tr("Completed ({0})")
        self.fold.setText(text.format(len(finished)))
        self.fold.setAccessibleName(self.fold.text())
        current = self.table.currentIndex()
        if current.isValid() and self.table.isRowHidden(current.row()):
            self.table.setCurrentIndex(self.model.index(self._first_open_row(), 0))

    # --- loading and the clock -----------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.timer.isActive():
            self.timer.start()
            self.reload()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()  # shown again: a reload, then the ticks

    def _changed(self) -> None:
        if self.isVisible():
            self.reload()

    def present(self) -> None:
        """The keyboard to the board (its panel is shown by :mod:`ui.today.panel`)."""
        self.show()
        self.table.setFocus()

    def reload(self) -> None:
        ctx = self.desk.ctx()
        DbOp(self.desk.tasks, lambda db: today.day(db, ctx), self).success(self._show).run()

    def _show(self, rows: list[BoardRow]) -> None:
        current = self.current_id()
        self.day = self.desk.today()
        self.model.now = self.desk.clock.now()
        self.model.set_rows(rows)
        self._restore(current)
        self._refresh_labels()
        self._sync_actions()
        self.loaded.emit()

    def _restore(self, current: str | None) -> None:
        """Fold the finished rows again and put the cursor back on ``current``."""
        row = self.model.row_of(current) if current else -1
        if row < 0 and self.model.rowCount():
            row = self._first_open_row()
        if row >= 0:
            self.table.setCurrentIndex(self.model.index(row, 0))
        self._fold()

    def _first_open_row(self) -> int:
        rows = self.model.rows()
        return next((i for i, r in enumerate(rows) if r.status not in lifecycle.FINAL), 0)

    def tick(self) -> None:
        """The clock moved: waiting times and amber rows follow; a new day reloads."""
        if self.desk.today() != self.day:
            self.reload()
            return
        self.model.threshold = timedelta(minutes=self._threshold())
        current = self.current_id()
        order = [r.id for r in self.model.rows()]
        self.model.set_now(self.desk.clock.now())
        if [r.id for r in self.model.rows()] != order:  # a patient turned late: moved up
            self._restore(current)
        self._refresh_labels()
        self._sync_actions()  # a patient's start passing allows No-show

    def _threshold(self) -> int:
        if self.fixed_threshold is not None:
            return self.fixed_threshold
        return self.desk.clinic.wait_alert_minutes or DEFAULT_THRESHOLD_MINUTES

    def _refresh_labels(self) -> None:
        locale = QLocale()
        day = self.day
        text = locale.toString(QDate(day.year, day.month, day.day), QLocale.FormatType.LongFormat)
        self.heading.setText(self.tr("Today, {0}").format(text))
        rows, now = self.model.rows(), self.model.now
        waiting = sum(1 for r in rows if r.waiting_minutes(now) is not None)
        long_wait = sum(1 for r in rows if self.model.is_amber(r))
        inside = sum(1 for r in rows if r.status == "in_room")
        late = sum(1 for r in rows if r.is_late(now, self.model.tz))
        self.summary.setText(
            self.tr("Waiting: {0} (too long: {1}) · In a room: {2} · Late: {3}").format(
                waiting, long_wait, inside, late
            )
        )

    # --- marking -------------------------------------------------------------------------
    def current_id(self) -> str | None:
        index = self.table.currentIndex()
        return str(index.data(ID_ROLE)) if index.isValid() else None

    def _sync_actions(self) -> None:
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        now, tz = self.desk.clock.now(), self.desk.clinic.tz
        for status, action in self.marks.items():
            action.setEnabled(
                row is not None
                and status in lifecycle.allowed(row.status)
                and not lifecycle.not_yet(status, row.start_utc, now, tz)
            )

    def mark(self, status: str) -> None:
        appointment_id = self.current_id()
        if appointment_id is None:
            return
        ctx = self.desk.ctx()
        undo.starting(self.desk)
        op = DbOp(self.desk.tasks, lambda db: undo_ops.mark(db, ctx, appointment_id, status), self)
        op.success(lambda done: self._marked(appointment_id, status, done)).run()

    def _marked(self, appointment_id: str, status: str, done: Done) -> None:
        said = undo.saved(done.appointment.patient_name, status)
        messages.info(said)
        undo.offer(self.desk, done, said)
        self.changed.emit(appointment_id, status)
        self.reload()
