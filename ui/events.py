"""The one bridge from the core's events to Qt signals.

The core publishes on the open database's event hub (``receptionist.events``): the
changes each commit made (``Changes``, from the change feed) and what the core's
reactions found (``WaitlistOffer``). Those are published on the database worker;
:class:`ClinicEvents` hands them to the GUI thread as signals, and views refresh
from them instead of from reloads placed after each save. The main window's timer
calls :meth:`ClinicEvents.poll` every second (:data:`POLL_MS`): it asks the worker
whether another process (the CLI, the sync service) committed, which costs one
``PRAGMA data_version`` when nobody did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from receptionist.context import Ctx
from receptionist.journal.feed import Changes
from receptionist.ops.events import Following, WaitlistOffer, follow

from .tasks import TaskManager

POLL_MS = 1000


class ClinicEvents(QObject):
    changed = Signal(object)  # Changes
    offered = Signal(object)  # WaitlistOffer

    def __init__(
        self, tasks: TaskManager, ctx: Callable[[], Ctx], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.tasks, self._ctx = tasks, ctx
        self.following: Following | None = None
        self._polling = False
        self._unsubscribe: list[Callable[[], None]] = []
        tasks.shuttingDown.connect(self.stop)

    def start(self) -> None:
        """Follow the open clinic (once); runs the set-up on the worker."""
        if self.following is not None or self._unsubscribe:
            return
        self._unsubscribe.append(lambda: None)  # starting: a second start waits for this one
        self.tasks.run(self._follow, self._started, owner=self)

    def _follow(self) -> Following:
        db = self.tasks.database()
        following = follow(db, self._ctx)
        self._unsubscribe = [
            db.events.subscribe(Changes, lambda c: self.tasks.post(lambda: self._emit(c), self)),
            db.events.subscribe(
                WaitlistOffer, lambda o: self.tasks.post(lambda: self.offered.emit(o), self)
            ),
        ]
        return following

    def _emit(self, changes: Changes) -> None:
        self.changed.emit(changes)

    def _started(self, following: Following) -> None:
        self.following = following

    def poll(self) -> None:
        """Ask the worker whether another process committed (one question at a time)."""
        following = self.following
        if following is None or self._polling or self.tasks.closed():
            return
        self._polling = True
        self.tasks.run(following.poll, lambda _found: self._polled(), lambda _exc: self._polled())

    def _polled(self) -> None:
        self._polling = False

    def stop(self) -> None:
        """Stop following; the worker closes the follower (before it closes the file)."""
        following, self.following = self.following, None
        unsubscribe, self._unsubscribe = self._unsubscribe, []
        if following is None or self.tasks.closed():
            return

        def close() -> None:
            for call in unsubscribe:
                call()
            following.close()

        self.tasks.run(close)


class Refresh(QObject):
    """Calls ``react`` on the GUI thread, at most once per 150 ms, whenever a change
    touches one of ``entities``: a burst of commits is one redraw. A child of
    ``owner``, so it stops listening when the owner goes."""

    def __init__(
        self,
        events: ClinicEvents,
        entities: Iterable[str],
        react: Callable[[], None],
        owner: QObject,
    ) -> None:
        super().__init__(owner)
        self.wanted = frozenset(entities)
        self.events, self.react = events, react
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(150)
        self.timer.timeout.connect(self._fire)
        events.changed.connect(self.heard)

    def _fire(self) -> None:
        if not self.events.tasks.closed():  # the desk is closing: nothing to redraw
            self.react()

    def heard(self, changes: Changes) -> None:
        if changes.touches(self.wanted) and not self.timer.isActive():
            self.timer.start()
