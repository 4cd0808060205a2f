"""Undo for the desk: the last status change, move or cancel, taken back by Ctrl+Z or
the Undo button of the status message that says what was saved.

Whoever saves an undoable change (``ops.undo``) hands its :class:`Undo` to
:func:`offer`, through the desk's ``UndoBridge`` (``Desk.undo``, one per desk);
the window's :class:`UndoKeeper` keeps the latest for
:data:`UNDO_SECONDS` by the desk's (injected) clock, then lets it go. The undo itself
is the core's (``ops.undo.undo``): its rules decide, and a refusal is told as any
other. The app never reverts anything itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QToolButton, QWidget

from receptionist.freetext import printable
from receptionist.ops import undo as undo_ops
from receptionist.ops.appointmentinfo import AppointmentInfo
from receptionist.ops.undo import Done, Undo

from . import messages
from .actions import menu_holding, window_action
from .coretext import patient_name as shown_name
from .desk import Desk
from .schedule import look
from .tasks import DbOp

UNDO_SECONDS = 15  # the Undo stays offered at least this long (the issue asks for 10)
TICK_MS = 1000
SPAN = timedelta(seconds=UNDO_SECONDS)


@dataclass(frozen=True)
class Offer:
    undo: Undo
    what: str  # what was done, shown beside the button
    at: datetime


def saved(patient_name: str, status: str) -> str:
    """What a saved status change says beside its Undo: whose, and the status now (the
    cursor may have moved on: the Undo must say what it would take back)."""
    return QCoreApplication.translate("undo", "Saved: {0} is now {1}.").format(
        shown_name(patient_name), look.status_label(status)
    )


def undone(found: AppointmentInfo, kind: str, tz: tzinfo) -> str:
    """What the undo gave back: the time for a move (its status never changed), else the
    status."""
    name = shown_name(found.patient_name)
    if kind == "move":
        local = found.start_utc.astimezone(tz)
        day = QLocale().toString(QDate(local.year, local.month, local.day), "ddd d MMM")
        text = QCoreApplication.translate("undo", "Undone: {0} is back at {1} on {2}.")
        return text.format(name, f"{local:%H:%M}", day)
    text = QCoreApplication.translate("undo", "Undone: {0} is {1} again, as before.")
    return text.format(name, look.status_label(found.status))


def starting(desk: Desk) -> None:
    """A new undoable change was asked for at ``desk``: the Undo on offer is withdrawn at
    once, so a Ctrl+Z pressed before the new change is saved cannot take back the one
    before it."""
    desk.undo.starting.emit()


def offer(desk: Desk, done: Done, what: str) -> None:
    """Offer the undo of ``done`` (when it changed anything) at ``desk``, saying
    ``what`` was done."""
    if done.undo is not None:
        desk.undo.offered.emit(done.undo, what)


class UndoBar(QWidget):
    """The status message of what was just saved, with its Undo button; in the status
    bar's message place while it is offered (a later message covers it for its few
    seconds, then it shows again)."""

    def __init__(self, keeper: UndoKeeper, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("undoBar")
        self.label = QLabel(self)
        self.label.setObjectName("undoWhat")
        self.button = QToolButton(self)
        self.button.setObjectName("undoButton")
        self.button.setDefaultAction(keeper.action)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setAccessibleName(self.tr("Undo the last change"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        layout.addStretch(1)


class UndoKeeper(QObject):
    """The window's Undo: the action (Ctrl+Z), the bar, the latest offer."""

    undone = Signal(str)  # appointment id, once the core took the change back

    def __init__(self, desk: Desk, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("undoKeeper")
        self.desk = desk
        self.current: Offer | None = None
        self.action = window_action(
            window, "undo", self.tr("&Undo"), "Ctrl+Z", self.tr("Take back the last change")
        )
        self.action.setEnabled(False)
        self.action.triggered.connect(self.undo)
        menu = menu_holding(window, "action_cardMenu")  # the Appointment menu
        if menu is not None:
            menu.addSeparator()
            menu.addAction(self.action)
        self.window = window
        self.bar = UndoBar(self, window)
        window.statusBar().addWidget(self.bar, 1)
        self.bar.hide()
        self.timer = QTimer(self)
        self.timer.setObjectName("undoTimer")
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)
        desk.undo.offered.connect(self.offer)
        desk.undo.starting.connect(self.drop)

    def offer(self, undo: Undo, what: str) -> None:
        """Offer ``undo``; ``what`` is the status message it belongs to (shown here,
        in place of the same message's plain text). Nothing while the window is locked:
        a change the worker saved after Ctrl+L shows no patient and no button there."""
        locked = getattr(self.window, "is_locked", None)
        if callable(locked) and locked():
            return
        self.current = Offer(undo, what, self.desk.clock.now())
        self.bar.label.setText(printable(what, lines=False))
        self.window.statusBar().clearMessage()
        self.bar.show()
        self.action.setText(self.named(undo.kind))
        self.action.setEnabled(True)
        self.timer.start()

    def named(self, kind: str) -> str:
        """The Undo's name while ``kind`` of change is on offer (menu and button)."""
        names = {
            "status": self.tr("&Undo status change"),
            "move": self.tr("&Undo move"),
            "cancel": self.tr("&Undo cancel"),
        }
        return names.get(kind, self.tr("&Undo"))

    def tick(self) -> None:
        """Let the offer go once its time is up (by the desk's clock)."""
        offer = self.current
        if offer is not None and self.desk.clock.now() - offer.at >= SPAN:
            self.drop()

    def drop(self) -> None:
        self.current = None
        self.timer.stop()
        self.bar.hide()
        self.action.setEnabled(False)
        self.action.setText(self.tr("&Undo"))

    def undo(self) -> None:
        offer = self.current
        if offer is None:
            return
        self.drop()  # one press, one undo
        ctx, token = self.desk.ctx(), offer.undo
        op = DbOp(self.desk.tasks, lambda db: undo_ops.undo(db, ctx, token), self)
        kind = offer.undo.kind
        op.success(lambda found: self._undone(found, kind)).run()

    def _undone(self, found: AppointmentInfo, kind: str) -> None:
        messages.info(undone(found, kind, self.desk.clinic.tz))
        self.undone.emit(found.id)


def install(window: QMainWindow, desk: Desk) -> UndoKeeper:
    """The window's Undo (find it with ``window.findChild(UndoKeeper)``)."""
    found = window.findChild(UndoKeeper)
    return found if isinstance(found, UndoKeeper) else UndoKeeper(desk, window)
