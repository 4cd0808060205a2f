"""``receptionist scheduler``: the background jobs for a PC that stays on, headless.

APScheduler's BlockingScheduler wakes one argument-free tick every minute (options
in ``receptionist.jobs.scheduling``: no misfire grace limit, coalesced, one instance);
the tick asks the database what is due and runs it (``receptionist.jobs.runner``).
Nothing of ours lives in APScheduler's job store, so a PC that slept or was off runs
each owed job once at the next tick. APScheduler's next wake-up is a wall-clock time,
though: :class:`Watchful` looks at least every half minute, and re-arms the tick to
run now when the clock jumped (``scheduling.Drift``: put back, or a wake from sleep).
The app runs the same jobs (``ui/scheduler.py``); leases in the file keep the two
from running one job twice.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler

from receptionist.clock import Clock
from receptionist.jobs.registry import Job
from receptionist.jobs.runner import Ran, Runner
from receptionist.jobs.scheduling import WATCH_SECONDS, Drift, rearm, tick_options
from receptionist.safelog import describe
from receptionist.store.storage import Database

log = logging.getLogger("receptionist.sync")  # under the logged one (cli.log, app.log)


class Watchful(BlockingScheduler):  # type: ignore[misc]
    """A BlockingScheduler that wakes at least every ``every`` seconds to look at the
    clock, and re-arms the tick when it jumped."""

    def __init__(self, drift: Drift | None = None, every: float = WATCH_SECONDS) -> None:
        super().__init__(timezone=UTC)
        self.drift, self.every = drift or Drift(), every

    def _process_jobs(self) -> float:
        if self.drift.jumped() is not None:
            rearm(self)
        wait = super()._process_jobs()
        return self.every if wait is None else min(wait, self.every)


def tick_for(
    db: Database, clock: Clock, jobs: Iterable[Job], on_run: Callable[[Ran], None] | None = None
) -> Callable[[], list[Ran]]:
    """The argument-free tick: run what is due now; a failure is logged, never raised
    into the scheduler (the next tick tries again)."""
    runner = Runner(jobs)

    def tick() -> list[Ran]:
        try:
            ran = runner.run_due(db, clock)
        except Exception as exc:  # e.g. the file busy past the timeout: next minute
            log.error("the jobs' tick failed: %s", describe(exc))
            return []
        for one in ran:
            log.info("job %s: %s %s", one.job, one.outcome, one.counts)
            if on_run is not None:
                on_run(one)
        return ran

    return tick


def serve(
    db: Database,
    clock: Clock,
    jobs: Iterable[Job],
    on_run: Callable[[Ran], None] | None = None,
    scheduler: Any = None,
) -> None:
    """Run the jobs until SIGTERM or Ctrl+C; the first tick at once (catch-up)."""
    scheduler = scheduler or Watchful()
    tick = tick_for(db, clock, jobs, on_run)
    scheduler.add_job(tick, next_run_time=datetime.now(UTC), **tick_options())

    def stop(*_: object) -> None:
        scheduler.shutdown(wait=False)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        scheduler.start()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
