"""The network's background jobs, added to the core's (``receptionist.jobs``) by the
app and by ``receptionist scheduler``: cloud sync every few minutes while this PC is
connected. The reminders' dispatch joins here when it lands (``NETWORK_JOBS``)."""

from __future__ import annotations

from collections.abc import Mapping

from receptionist.clock import Clock
from receptionist.jobs.registry import Every, Job
from receptionist.ops import replica
from receptionist.store.storage import Database

from . import cloud

SYNC_MINUTES = 5


def cloud_sync(db: Database, clock: Clock) -> Mapping[str, int]:
    """One sync round when this PC is connected to a clinic's endpoint; else nothing."""
    if not replica.status(db).connected:
        return {"connected": 0}
    done = cloud.sync_once(db, clock)
    return {
        "connected": 1,
        "pushed": done.pushed,
        "pulled": done.pulled,
        "merged": done.merged,
        "conflicts": done.conflicts,
        "uploaded": done.uploaded,
    }


CLOUD_SYNC = Job("cloud.sync", cloud_sync, Every(SYNC_MINUTES), lease_minutes=30)
NETWORK_JOBS = (CLOUD_SYNC,)
