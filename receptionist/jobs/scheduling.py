"""What a scheduler needs, whichever it is (the app's QtScheduler, the service's
BlockingScheduler): one tick every minute that runs what is due.

APScheduler only wakes the tick; it keeps no job of ours in a store, and the tick
takes no arguments it would have to pickle. Its options are chosen against its
defaults: ``misfire_grace_time=None`` (a tick late by any amount still runs, instead
of being skipped after one second), ``coalesce=True`` (ticks missed while the PC slept
run once, not in a burst), ``max_instances=1`` (a tick still running is not started
twice). The tick asks the database what is due, so the next tick after waking from
sleep or a clock change sees the new time. But APScheduler keeps the tick's next run
as a wall-clock time: a clock put back an hour would leave the tick waiting for the
old time, an hour. So both schedulers watch the wall clock against the monotonic one
(:class:`Drift`) and, when it jumps (a clock change; a wake from a sleep during which
the monotonic clock stood still), re-arm the tick to run now (:func:`rearm`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

TICK_SECONDS = 60
TICK_ID = "receptionist.jobs.tick"


def tick_options() -> dict[str, Any]:
    """The keyword arguments of ``scheduler.add_job`` for the tick."""
    return {
        "trigger": "interval",
        "seconds": TICK_SECONDS,
        "id": TICK_ID,
        "misfire_grace_time": None,
        "coalesce": True,
        "max_instances": 1,
        "replace_existing": True,
    }


JUMP_SECONDS = 90.0  # a drift larger than any scheduling delay: the clock jumped
WATCH_SECONDS = 30  # how often the schedulers look


class Drift:
    """Notices the wall clock moving against the monotonic one by more than
    ``tolerance`` seconds since the last look (``wall`` and ``mono`` are injectable)."""

    def __init__(
        self,
        wall: Callable[[], float] = time.time,
        mono: Callable[[], float] = time.monotonic,
        tolerance: float = JUMP_SECONDS,
    ) -> None:
        self.wall, self.mono, self.tolerance = wall, mono, tolerance
        self.offset = wall() - mono()

    def jumped(self) -> float | None:
        """The jump in seconds (put back: negative) since the last look, or None."""
        offset = self.wall() - self.mono()
        moved, self.offset = offset - self.offset, offset
        return moved if abs(moved) > self.tolerance else None


def rearm(scheduler: Any) -> None:
    """Run ``scheduler``'s tick once now, and the regular ticks again from a minute on.
    The one now is a job of its own: the tick may still be finishing (one instance at
    a time), and a re-armed run of it would then be skipped."""
    tick = scheduler.get_job(TICK_ID)
    if tick is None:
        return
    now = datetime.now(UTC)
    scheduler.modify_job(TICK_ID, next_run_time=now + timedelta(seconds=TICK_SECONDS))
    scheduler.add_job(tick.func, misfire_grace_time=None)
