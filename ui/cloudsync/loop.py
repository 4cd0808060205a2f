"""The app's sync loop: a round (push, then pull) every few seconds while this PC is
connected to a cloud endpoint, off the GUI thread.

A round talks to the network and may take seconds, so it does not run on the desk's
database worker (it would hold up every screen). It runs on a worker of its own (a
second :class:`~ui.tasks.TaskManager`: one thread) with a :class:`Database` of its
own, opened and closed on that thread, so no SQLCipher connection crosses threads.
Whether this PC is connected at all is asked on the desk's worker (one cheap read):
a clinic that never connects never opens the second database.

Rounds follow :class:`~receptionist.replica.backoff.Schedule`: the interval of this PC's
setting ``cloud.sync_interval_seconds`` after a success, a growing wait with jitter after
failures; "Sync now" and the network coming back start one at once. What each round
leaves is fed to the status bar (:class:`~ui.syncstate.SyncState`), with the endpoint
signing with another key than the one pinned, read from the log, so said from the start
until a round sees the pinned key again (``sync.notary.OTHER_KEY``); what it pulled
reaches the open views through the change feed (the desk's follower notices commits
of other connections within a second).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from receptionist.ops import replica
from receptionist.ops import settings as settings_ops
from receptionist.replica.backoff import Schedule
from receptionist.safelog import describe
from receptionist.settings.cloud import INTERVAL_SECONDS
from receptionist.store.storage import Database
from sync import cloud
from sync.notary import OTHER_KEY
from sync.round import Unreachable

from .. import messages
from ..coretext import translated
from ..desk import Desk
from ..tasks import TaskManager

log = logging.getLogger("receptionist.ui")  # outcomes only: never a name or a secret
STATUS_DELAY_MS = 500  # after a local change, how soon "waiting" is read again


@dataclass(frozen=True)
class Outcome:
    """What a round left: whether it reached the endpoint, and how sync stands now."""

    ok: bool
    status: replica.SyncStatus
    pulled: int = 0
    pushed: int = 0


def interval_setting() -> float:
    """This PC's ``cloud.sync_interval_seconds`` (its default when unset or unreadable)."""
    value = settings_ops.preference(INTERVAL_SECONDS.key)
    return float(value if isinstance(value, int) else int(str(INTERVAL_SECONDS.default)))


class CloudSync(QObject):
    roundFinished = Signal(object)  # Outcome
    roundFailed = Signal(object)  # the exception (not the network: a refusal, a bug)

    def __init__(
        self,
        desk: Desk,
        parent: QObject | None = None,
        *,
        interval: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("cloudSync")
        self.desk = desk
        # The round's own thread and database; it goes with the desk's worker, even
        # if this object went first (a window closed in a test).
        self.worker = TaskManager(desk.tasks, name="receptionist-sync")
        desk.tasks.shuttingDown.connect(self.worker.shutdown)
        seconds = interval_setting() if interval is None else interval
        self.schedule = Schedule(desk.clock, seconds, rng or random.Random())
        self.connected = False
        self.running = False
        self.again = False  # "Sync now" while a round runs: one more after it
        self.stopped = False
        self.told = ""  # the last refusal the person was told of
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.tick)
        self.status_timer = QTimer(self)
        self.status_timer.setSingleShot(True)
        self.status_timer.setInterval(STATUS_DELAY_MS)
        self.status_timer.timeout.connect(self.read_status)
        desk.events.changed.connect(self._changed)
        desk.tasks.shuttingDown.connect(self.stop)

    # --- when -------------------------------------------------------------------------
    def start(self) -> None:
        """Look whether this PC is connected; if it is, a first round now."""
        self.tick()

    def tick(self) -> None:
        if self.stopped:
            return
        if self.connected:
            self._round()
        else:
            self._check(asked=False)

    def sync_now(self) -> None:
        """A round at once (after the one under way, if any)."""
        if self.stopped:
            return
        if self.connected:
            self._round()
        else:
            self._check(asked=True)

    def network_back(self) -> None:
        """The network is back: a PC that failed tries at once instead of waiting."""
        if self.connected and self.schedule.failures > 0:
            self.sync_now()

    def _plan(self) -> None:
        if not self.stopped:
            self.timer.start(int(self.schedule.seconds_left() * 1000))

    # --- is this PC connected? (the desk's worker) -------------------------------------
    def _check(self, *, asked: bool) -> None:
        tasks = self.desk.tasks
        if tasks.closed():
            return
        tasks.run(
            lambda: replica.status(tasks.database()),
            lambda status: self._checked(status, asked),
            self._check_failed,
            owner=self,
        )

    def _checked(self, status: replica.SyncStatus, asked: bool) -> None:
        if status.connected:
            self.connected = True
            self._show(status, online=not status.last_error)
            self._round()
            return
        if asked:
            messages.info(
                self.tr(
                    "This PC is not connected to a cloud endpoint, so there is nothing to "
                    "sync. An administrator connects it with: receptionist cloud connect."
                )
            )
        self.schedule.succeeded()  # look again after the interval
        self._plan()

    def _check_failed(self, exc: BaseException) -> None:
        log.warning("reading how sync stands failed: %s", describe(exc))
        self.schedule.failed()
        self._plan()

    # --- a round (its own worker) --------------------------------------------------------
    def _round(self) -> None:
        if self.running:
            self.again = True
            return
        if self.worker.closed():
            return
        self.timer.stop()
        self.running = True
        self.worker.run(self._work, self._done, self._failed, owner=self)

    def _database(self) -> Database:
        """This worker's own database (opened here, on its thread, the first time)."""
        if self.worker.db is None:
            main = self.desk.tasks.db
            if main is None:
                raise RuntimeError("no clinic database is open")
            self.worker.db = main.another()
        return self.worker.db

    def _work(self) -> Outcome:
        db = self._database()
        try:
            done = cloud.sync_once(db, self.desk.clock)
        except Unreachable:
            return Outcome(False, replica.status(db))
        return Outcome(True, replica.status(db), done.pulled, done.pushed + done.uploaded)

    def _done(self, outcome: Outcome) -> None:
        self.running = False
        self._show(outcome.status, online=outcome.ok)
        if outcome.ok:
            self.told = ""
            self.schedule.succeeded()
        else:
            log.info("the cloud endpoint cannot be reached; trying again later")
            self.schedule.failed()
        self.roundFinished.emit(outcome)
        self._next()

    def _failed(self, exc: BaseException) -> None:
        """Not the network: a refusal (this PC revoked, say) or a bug. Said once, not
        at every retry; the status bar says offline until a round works again."""
        self.running = False
        log.warning("a sync round failed: %s", describe(exc))
        self.desk.sync.update(online=False)
        text = messages.user_text(exc)
        if text != self.told:
            self.told = text
            messages.warning(self.tr("Sync stopped: {0}").format(text))
        self.schedule.failed()
        self.roundFailed.emit(exc)
        self._next()

    def _next(self) -> None:
        if self.again:
            self.again = False
            self._round()
        else:
            self._plan()

    # --- the status bar ----------------------------------------------------------------
    def _show(self, status: replica.SyncStatus, *, online: bool) -> None:
        self.desk.sync.update(
            online=online,
            last_sync=status.last_sync_at,
            pending_changes=status.waiting,
            open_conflicts=status.open_conflicts,
            endpoint_warning=translated(OTHER_KEY) if status.endpoint_key_changed else "",
        )

    def _changed(self, _changes: object) -> None:
        """A commit (here or pulled): how many changes wait may have changed."""
        if self.connected and not self.status_timer.isActive():
            self.status_timer.start()

    def read_status(self) -> None:
        tasks = self.desk.tasks
        if self.stopped or tasks.closed():
            return
        tasks.run(
            lambda: replica.status(tasks.database()),
            lambda status: self._show(status, online=bool(self.desk.sync.snapshot.online)),
            lambda exc: log.warning("reading how sync stands failed: %s", describe(exc)),
            owner=self,
        )

    # --- the end -----------------------------------------------------------------------
    def stop(self) -> None:
        """No more rounds; the one under way finishes, then this worker's database is
        closed on its own thread."""
        if self.stopped:
            return
        self.stopped = True
        self.timer.stop()
        self.status_timer.stop()
        self.worker.shutdown()
