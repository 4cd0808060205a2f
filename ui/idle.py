"""Idle auto-lock: after a while with no key press or mouse use, say so once.

How long is this PC's preference ``desk.lock_after_minutes`` (Settings > This PC;
``--lock-after`` shortens it for one run, never lengthens it). Time comes from an injected monotonic
clock (seconds), so a test moves it forward and calls :meth:`IdleWatcher.check`
instead of waiting five minutes; a wall-clock change on the PC neither locks early
nor late.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)
DEFAULT_MINUTES = 5.0


class IdleWatcher(QObject):
    """Emits ``idle`` once after ``timeout_s`` seconds without input; ``start`` re-arms it."""

    idle = Signal()

    def __init__(
        self,
        timeout_s: float = DEFAULT_MINUTES * 60,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        poll_ms: int = 5000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.timeout_s = DEFAULT_MINUTES * 60
        self.set_timeout(timeout_s)
        self._now = monotonic
        self._last = monotonic()
        self._armed = False
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.check)

    def set_timeout(self, timeout_s: float) -> None:
        """Lock after ``timeout_s`` seconds without input from now on (the time already
        idle counts)."""
        if timeout_s <= 0:
            raise ValueError("the idle timeout must be positive")
        self.timeout_s = timeout_s

    @property
    def armed(self) -> bool:
        return self._armed

    def start(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and not self._armed:
            app.installEventFilter(self)
        self._armed = True
        self._last = self._now()
        self._timer.start()

    def stop(self) -> None:
        app = QCoreApplication.instance()
        if app is not None and self._armed:
            app.removeEventFilter(self)
        self._armed = False
        self._timer.stop()

    def idle_for(self) -> float:
        return self._now() - self._last

    def check(self) -> None:
        if self._armed and self.idle_for() >= self.timeout_s:
            self.stop()
            self.idle.emit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self._last = self._now()
        return False
