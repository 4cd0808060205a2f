"""``receptionist scheduler``: the background jobs for a PC that stays on, headless.

APScheduler's BlockingScheduler wakes one argument-free tick every minute (options
in ``receptionist.jobs.scheduling``: no misfire grace limit, coalesced, one instance);
the tick asks the database what is due and runs it (``receptionist.jobs.runner``).
Nothing of ours lives in APScheduler's job store, so a PC that slept or was off, or
whose clock jumped, needs no re-arming: the next tick sees the new time and runs
each owed job once. The app runs the same jobs (``ui/scheduler.py``); leases in the
file keep the two from running one job twice.
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
from receptionist.jobs.scheduling import tick_options
from receptionist.safelog import describe
from receptionist.store.storage import Database

log = logging.getLogger(__name__)


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
    scheduler = scheduler or BlockingScheduler(timezone=UTC)
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
