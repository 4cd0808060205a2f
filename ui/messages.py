"""One channel for what the user is told: a bridge with a signal, and the sinks that show it.

Anything in the app says ``messages.error(text)`` (or ``info`` / ``warning``); the
status bar and the dialog sink listen. A ``ReceptionistError`` is shown as its own
message (it is written for people), in the user's language (``coretext``); any other
exception is a bug: it is logged by type and stack frames only (messages and locals
may hold patient data) and the user gets one calm sentence. The app stays up.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QStatusBar, QWidget

from receptionist.errors import ReceptionistError

from .coretext import exception_text

log = logging.getLogger("receptionist.ui")
STATUS_MS = 8000


class Level(IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True)
class Message:
    level: Level
    text: str


class MessageBridge(QObject):
    """Carries messages from wherever they arise to the widgets that show them."""

    shown = Signal(object)  # Message

    def show(self, level: Level, text: str) -> None:
        self.shown.emit(Message(level, text))


_bridge: MessageBridge | None = None


def bridge() -> MessageBridge:
    global _bridge
    if _bridge is None:
        _bridge = MessageBridge()
    return _bridge


def info(text: str) -> None:
    bridge().show(Level.INFO, text)


def warning(text: str) -> None:
    bridge().show(Level.WARNING, text)


def error(text: str) -> None:
    bridge().show(Level.ERROR, text)


def calm_sentence() -> str:
    return QCoreApplication.translate(
        "messages",
        "Something went wrong, so that was not done. Your other work is safe: "
        "try again, and if it happens again, tell your IT contact.",
    )


def user_text(exc: BaseException) -> str:
    """What to tell a person about ``exc``; logs it first when it is a bug."""
    if isinstance(exc, ReceptionistError):
        return exception_text(exc)
    log.error("unexpected %s\n%s", type(exc).__name__, safe_traceback(exc))
    return calm_sentence()


def report_exception(exc: BaseException) -> None:
    error(user_text(exc))


def safe_traceback(exc: BaseException) -> str:
    """Where ``exc`` happened - files, lines, functions - without any message text."""
    lines: list[str] = []
    current: BaseException | None = exc
    while current is not None:
        frames = traceback.extract_tb(current.__traceback__)
        lines.append(f"{type(current).__module__}.{type(current).__qualname__}")
        lines.extend(f"  {f.filename}:{f.lineno} in {f.name}" for f in frames)
        current = current.__cause__ or current.__context__
        if current is not None:
            lines.append("raised while handling:")
    return "\n".join(lines)


class StatusBarSink(QObject):
    """Shows every message, briefly, in the status bar."""

    def __init__(self, status_bar: QStatusBar, source: MessageBridge | None = None) -> None:
        super().__init__(status_bar)
        self._bar = status_bar
        self.paused = False  # while the desk is locked nothing shows on the lock screen
        (source or bridge()).shown.connect(self._show)

    @Slot(object)
    def _show(self, message: Message) -> None:
        if not self.paused:
            self._bar.showMessage(message.text, STATUS_MS)


BoxFactory = Callable[[QWidget, Message], QMessageBox]


def _default_box(parent: QWidget, message: Message) -> QMessageBox:
    icon = QMessageBox.Icon.Critical if message.level is Level.ERROR else QMessageBox.Icon.Warning
    box = QMessageBox(
        icon,
        QCoreApplication.translate("messages", "Receptionist"),
        message.text,
        QMessageBox.StandardButton.Ok,
        parent,
    )
    box.setObjectName("messageBox")
    return box


class DialogSink(QObject):
    """Shows warnings and errors in a window-modal box that does not block the caller."""

    def __init__(
        self,
        parent: QWidget,
        source: MessageBridge | None = None,
        box_factory: BoxFactory = _default_box,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._factory = box_factory
        self.current: QMessageBox | None = None
        (source or bridge()).shown.connect(self._show)

    @Slot(object)
    def _show(self, message: Message) -> None:
        if message.level < Level.WARNING or not self._parent.isVisible():
            return
        old = self.current
        if old is not None:
            if old.isVisible() and old.text() == message.text:
                return  # the same message twice: one box is enough
            old.close()
            old.deleteLater()
        self.current = self._factory(self._parent, message)
        self.current.open()
