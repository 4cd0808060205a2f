"""What a scheduler needs, whichever it is (the app's QtScheduler, the service's
BlockingScheduler): one tick every minute that runs what is due.

APScheduler only wakes the tick; it keeps no job of ours in a store, and the tick
takes no arguments it would have to pickle. Its options are chosen against its
defaults: ``misfire_grace_time=None`` (a tick late by any amount still runs, instead
of being skipped after one second), ``coalesce=True`` (ticks missed while the PC slept
run once, not in a burst), ``max_instances=1`` (a tick still running is not started
twice). Because the tick asks the database what is due, waking from sleep or a clock
change needs no re-arming: the next tick, at most a minute later, sees the new time.
"""

from __future__ import annotations

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
