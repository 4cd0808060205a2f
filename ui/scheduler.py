"""The app's background jobs: APScheduler's QtScheduler wakes a tick every minute.

The tick runs on APScheduler's thread pool, never on the GUI thread, and on a
Database of its own (``Database.twin``: the same file and key, its own connections),
so the one database worker stays free for the desk while a sweep or a backup runs.
What the jobs write reaches the views like a write of another process: the main
window's clinic events notice the commit within a second (the change feed).
``ran`` tells the GUI thread what ran (Settings > Jobs redraws from it).

The options (``receptionist.jobs.scheduling``): no misfire grace limit, coalesced, one
instance; the first tick at start, so what the PC owes since it was last on runs
once, at once. Nothing of ours is in APScheduler's store, but its next wake-up is a
wall-clock time: every half minute the wall clock is compared with the monotonic one
(``scheduling.Drift``), and after a jump (the clock was put back or forward, or the
PC woke from sleep) the tick is re-armed to run now. When the network comes back
(``ui/cloudsync/network.py``) the jobs that need it run at once: cloud sync, the
reminders' dispatch and Google sync (the core's rule, ``receptionist.jobs.netreturn``).
``receptionist service`` may run beside the app: the leases in the file keep a job to
one runner.

Closing the app while a job runs (``finishing``) starts no other and asks the running
one to end at its next safe step (``jobs.runner.stop_asked``): the reminders' round
after the message under way (up to a silent mail server's 30 s), the rest staying
queued; the retention sweep after the batch under way; the backup at once, its
unfinished copy removed; a cloud sync before its next batch or page; a Google sync
before its next request. A job so ended is recorded "stopped" and is owed again at the
next start. Start-up's note says what the job waits for meanwhile (``ui/finishing.py``),
the GUI thread free, and closes on ``idle``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from apscheduler.schedulers.qt import QtScheduler
from PySide6.QtCore import QObject, QTimer, Signal

from receptionist.clock import Clock
from receptionist.jobs.netreturn import NetworkReturn, on_return, run_back
from receptionist.jobs.registry import Job
from receptionist.jobs.runner import Ran, Runner
from receptionist.jobs.scheduling import WATCH_SECONDS, Drift, rearm, tick_options
from receptionist.safelog import describe
from receptionist.store.storage import Database

from .tasks import TaskManager

log = logging.getLogger("receptionist.ui")
Watch = Callable[[Callable[[], None]], bool]


class _QtScheduler(QtScheduler):  # type: ignore[misc]
    """APScheduler's QtScheduler with a timer it can stop: under PySide6,
    ``QTimer.singleShot`` returns None, so the original cannot cancel a pending wake-up,
    and a scheduler shut down would go on waking every minute. Wake-ups are asked for on
    the GUI thread (the timer, ``start``, ``run_now``), where the timer lives."""

    _own_timer: QTimer | None = None

    def _start_timer(self, wait_seconds: float | None) -> None:
        self._stop_timer()
        if wait_seconds is not None:
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(self._process_jobs)
            timer.start(min(int(wait_seconds * 1000), 2_147_483_647))
            self._own_timer = timer

    def _stop_timer(self) -> None:
        timer, self._own_timer = self._own_timer, None
        if timer is not None:
            timer.stop()
            timer.deleteLater()


class JobScheduler(QObject):
    ran = Signal(object)  # list[Ran], on the GUI thread
    # After ``finishing``: the work that was running has ended (on the GUI thread).
    idle = Signal()
    _told = Signal(object)
    _ended = Signal()

    def __init__(
        self,
        tasks: TaskManager,
        clock: Clock,
        jobs: Iterable[Job],
        parent: QObject | None = None,
        *,
        drift: Drift | None = None,
        watch: Watch | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.clock = clock
        self.jobs = tuple(jobs)
        self.runner = Runner(self.jobs)
        self._db: Database | None = None
        self._lock = threading.Lock()  # the tick and a "Run now" share the Database
        self._scheduler: _QtScheduler | None = None
        self._told.connect(self.ran)  # emitted from the pool: queued to the GUI thread
        self._ended.connect(self.idle)
        self.drift = drift or Drift()
        self.watcher = QTimer(self)
        self.watcher.setInterval(WATCH_SECONDS * 1000)
        self.watcher.timeout.connect(self.look_at_clock)
        self._watch = watch
        self.network = NetworkReturn(monotonic)

    def start(self) -> None:
        if self._scheduler is not None:
            return
        self._scheduler = _QtScheduler(timezone=UTC)
        self._scheduler.add_job(self._tick, next_run_time=datetime.now(UTC), **tick_options())
        self._scheduler.start()
        self.tasks.shuttingDown.connect(self.stop)
        self.drift.jumped()  # from now on
        self.watcher.start()
        (self._watch or _network_watch)(self.network_back)

    def look_at_clock(self) -> None:
        """Re-arm the tick when the wall clock jumped (see the module's note)."""
        moved = self.drift.jumped()
        if moved is not None and self._scheduler is not None:
            log.info("the clock moved by %+.0f s: the jobs' tick runs now", moved)
            rearm(self._scheduler)

    def network_back(self) -> None:
        """The network is back: run the jobs that need it now, one after the other
        (``receptionist.jobs.netreturn``: which, and not twice in a flap)."""
        if self._scheduler is None:
            return
        names = [job.name for job in on_return(self.jobs)]
        if names and self.network.back() and self._scheduler is not None:
            self._scheduler.add_job(self._run_back, args=(names,), misfire_grace_time=None)

    def run_now(self, name: str) -> None:
        """Run ``name`` now on the pool (``ran`` tells how it went)."""
        if self._scheduler is not None:
            self._scheduler.add_job(self._run_now, args=(name,), misfire_grace_time=None)

    def finishing(self) -> str | None:
        """The app is closing: no job starts from now on, and the one running is asked
        to end at its next safe step (``jobs.runner.stop_asked``: the reminders' round
        after the message under way, which ends sent, retrying or unknown as any does;
        the sweep after its batch; a sync before its next page or request; the backup
        at once).
        The name of the job running ("" between two), whose end ``idle`` tells, so the
        window need not freeze meanwhile; or None: nothing runs, :meth:`stop` is quick."""
        self.watcher.stop()
        self.runner.stopping.set()  # before looking at the lock: see ``_guarded``
        if self._scheduler is not None:
            self._scheduler.remove_all_jobs()
        if not self._lock.locked():
            return None
        running = self.runner.current
        return running[0] if running is not None else ""

    def stop(self) -> None:
        """Stop waking; wait for a job that is running, then close its database."""
        self.watcher.stop()
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is not None:
            scheduler.remove_all_jobs()
            scheduler.shutdown(wait=True)
        with self._lock:
            db, self._db = self._db, None
            if db is not None:
                db.close()

    def _database(self) -> Database | None:
        if self._db is None and self.tasks.db is not None:
            self._db = self.tasks.db.twin()
        return self._db

    def _tick(self) -> None:
        self._guarded(lambda db: self.runner.run_due(db, self.clock))

    def _run_now(self, name: str) -> None:
        # Settings > Jobs' Run now: a person asked for it
        self._guarded(
            lambda db: [r for r in [self.runner.run_now(db, self.clock, name, by_person=True)] if r]
        )

    def _run_back(self, names: list[str]) -> None:
        self._guarded(lambda db: run_back(self.runner, db, self.clock, names))

    def _guarded(self, work: Callable[[Database], list[Ran]]) -> None:
        ran: list[Ran] = []
        with self._lock:
            try:
                db = self._database()
                ran = work(db) if db is not None else []
            except Exception as exc:  # the next tick tries again
                log.error("the jobs' tick failed: %s", describe(exc))
        if ran:
            self._told.emit(ran)
        if self.runner.stopping.is_set():  # looked at after the lock: ``finishing`` waits
            self._ended.emit()


def _network_watch(on_back: Callable[[], None]) -> bool:
    """``ui/cloudsync/network.watch`` (imported here: that package imports the desk,
    which imports this module)."""
    from .cloudsync import network

    return network.watch(on_back)
