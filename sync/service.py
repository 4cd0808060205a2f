"""``receptionist service``: the background jobs for a PC that stays on, headless.

APScheduler's BlockingScheduler wakes one argument-free tick every minute (options
in ``receptionist.jobs.scheduling``: no misfire grace limit, coalesced, one instance);
the tick asks the database what is due and runs it (``receptionist.jobs.runner``).
Nothing of ours lives in APScheduler's job store, so a PC that slept or was off runs
each owed job once at the next tick. APScheduler's next wake-up is a wall-clock time,
though: :class:`Watchful` looks at least every half minute, and re-arms the tick to
run now when the clock jumped (``scheduling.Drift``: put back, or a wake from sleep).

At each of those looks it also looks at the network (``sync/netroute.py``: whether the
PC has a route out, or one to where the jobs connect, no packet sent); when it finds it
up after finding it down, the jobs that need the network run at once (the core's rule,
``receptionist.jobs.netreturn``), as the app's do on Qt's reachability signal.

Ctrl+C (or SIGTERM) stops it cleanly: no job starts after it, the running one ends at
its next safe step (``runner.stop_asked``: the reminders' round after the message
under way, the sweep after the batch under way, the backup at once, its unfinished
copy removed, a cloud sync before its next batch or page, a Google sync before its
next request; its run is recorded "stopped", and owed again), the line printed saying
what it waits for (``receptionist.jobs.closing``); a second Ctrl+C abandons it: its run
is recorded "interrupted", its lease let go, what it had not committed rolled back),
and the database is closed only then.
The app runs the same jobs (``ui/scheduler.py``); leases in the file keep the two
from running one job twice.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from threading import TIMEOUT_MAX
from typing import Any

from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler

from receptionist.clock import Clock
from receptionist.jobs import closing, netreturn
from receptionist.jobs.netreturn import NetworkReturn, on_return
from receptionist.jobs.registry import Job
from receptionist.jobs.runner import Ran, Runner
from receptionist.jobs.scheduling import WATCH_SECONDS, Drift, rearm, tick_options
from receptionist.safelog import describe
from receptionist.store.storage import Database

from .netroute import PROBE_TARGETS, Routes, destinations, routed  # noqa: F401 (as before)

log = logging.getLogger("receptionist.sync")  # under the logged one (cli.log, app.log)

STOP_POLL = 0.25  # seconds: how soon the loop notices a stop asked by a signal
INTERRUPTED = 128 + signal.SIGINT  # the shell's code for a command stopped by Ctrl+C


class Watchful(BlockingScheduler):  # type: ignore[misc]
    """A BlockingScheduler that wakes at least every ``every`` seconds to look at the
    clock (re-arming the tick when it jumped) and at whatever else ``looks`` holds, and
    whose loop ends within ``STOP_POLL`` seconds of :attr:`asked` being set (by a signal
    handler, which may do no more than that: the loop's locks are not reentrant)."""

    def __init__(self, drift: Drift | None = None, every: float = WATCH_SECONDS) -> None:
        super().__init__(timezone=UTC)
        self.drift, self.every = drift or Drift(), every
        self.looks: list[Callable[[], None]] = []
        self.asked: int | None = None  # the signal that asked it to stop

    def _process_jobs(self) -> float:
        if self.drift.jumped() is not None:
            rearm(self)
        for look in self.looks:
            look()
        wait = super()._process_jobs()
        return self.every if wait is None else min(wait, self.every)

    def _main_loop(self) -> None:
        wait = TIMEOUT_MAX
        while self.state != STATE_STOPPED:
            until = time.monotonic() + wait
            while not self._event.is_set() and self.asked is None:
                left = until - time.monotonic()
                if left <= 0:
                    break
                self._event.wait(min(left, STOP_POLL))
            if self.asked is not None:
                return
            self._event.clear()
            wait = self._process_jobs()


def tick_for(
    db: Database,
    clock: Clock,
    jobs: Iterable[Job],
    on_run: Callable[[Ran], None] | None = None,
    *,
    runner: Runner | None = None,
    lock: threading.Lock | None = None,
) -> Callable[[], list[Ran]]:
    """The argument-free tick: run what is due now; a failure is logged, never raised
    into the scheduler (the next tick tries again)."""
    runner = runner or Runner(jobs)
    return _guarded(db, lambda: runner.run_due(db, clock), on_run, lock)


def _guarded(
    db: Database,
    work: Callable[[], list[Ran]],
    on_run: Callable[[Ran], None] | None,
    lock: threading.Lock | None,
) -> Callable[[], list[Ran]]:
    held = lock or threading.Lock()

    def run() -> list[Ran]:
        with held:  # the tick and the network's return share the Database
            try:
                ran = work()
            except Exception as exc:  # e.g. the file busy past the timeout: next minute
                log.error("the jobs' tick failed: %s", describe(exc))
                return []
            for one in ran:
                log.info("job %s: %s %s", one.job, one.outcome, one.counts)
                if on_run is not None:
                    on_run(one)
            return ran

    return run


class _Abandon(BaseException):
    """A second stop signal while the running job finishes."""


def serve(
    db: Database,
    clock: Clock,
    jobs: Iterable[Job],
    on_run: Callable[[Ran], None] | None = None,
    scheduler: Any = None,
    *,
    probe: Callable[[], bool] | None = None,
    network: NetworkReturn | None = None,
    tell: Callable[[str], None] | None = None,
) -> int:
    """Run the jobs until SIGTERM or Ctrl+C; the first tick at once (catch-up). The
    exit code: 0, or ``INTERRUPTED`` (130) after Ctrl+C. ``tell`` says what stopping
    does (stderr by default)."""
    say = tell or (lambda line: print(line, file=sys.stderr, flush=True))
    scheduler = scheduler or Watchful()
    runner, lock = Runner(jobs), threading.Lock()
    tick = tick_for(db, clock, jobs, on_run, runner=runner, lock=lock)
    scheduler.add_job(tick, next_run_time=datetime.now(UTC), **tick_options())
    back = [job.name for job in on_return(runner.jobs)]
    network = network or NetworkReturn()
    probe = probe or Routes(lambda: destinations(db))  # the look's: a route out, or to them
    run_back = _guarded(db, lambda: netreturn.run_back(runner, db, clock, back), on_run, lock)

    def look() -> None:  # on the scheduler's thread, at each of its wake-ups
        if back and network.seen(probe()):
            log.info("the network is back: %s run now", ", ".join(back))
            scheduler.add_job(run_back, misfire_grace_time=None)

    asked: list[int] = []
    waiting = threading.Event()

    def stop(signum: int, _frame: object) -> None:
        asked.append(signum)
        if waiting.is_set():
            raise _Abandon
        if isinstance(scheduler, Watchful):
            scheduler.asked = signum
        else:  # a scheduler without the polling loop: break out of it
            raise KeyboardInterrupt

    if isinstance(scheduler, Watchful):
        scheduler.looks.append(look)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.suppress(KeyboardInterrupt):  # the plain scheduler's stop
            scheduler.start()
        runner.stopping.set()  # no job starts from here on
        if scheduler.state != STATE_STOPPED:
            scheduler.shutdown(wait=False)
        return _finish(db, runner, lock, asked, waiting, say)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _finish(
    db: Database,
    runner: Runner,
    lock: threading.Lock,
    asked: list[int],
    waiting: threading.Event,
    say: Callable[[str], None],
) -> int:
    """Wait for the running job (a second signal abandons it); the exit code."""
    code = INTERRUPTED if signal.SIGINT in asked else 0
    waiting.set()
    try:
        told = False
        while not lock.acquire(timeout=STOP_POLL):
            running = runner.current
            if asked and running is not None and not told:
                say(f"Stopping once {closing.once(running[0])} (Ctrl+C again abandons it).")
                told = True
        lock.release()
    except _Abandon:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the abandoning is not cut short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _abandon(db, runner, say)
    if asked:
        say("Stopped.")
    return code


def _abandon(db: Database, runner: Runner, say: Callable[[str], None]) -> None:
    """Give up the running job and end the process now: its thread cannot be stopped,
    and the interpreter would wait for it at exit."""
    other = db.twin()  # the job's own connection is busy
    name: str | None
    try:
        name = runner.abandon(other)
    except Exception as exc:  # the lease lapses by itself
        log.error("abandoning the running job failed: %s", describe(exc))
        name = None
    finally:
        other.close()
    said = f"Stopped; {name} was abandoned (recorded as interrupted)." if name else "Stopped."
    say(said)
    logging.shutdown()
    sys.stdout.flush()
    os._exit(INTERRUPTED)
