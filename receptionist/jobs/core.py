"""The core's own jobs: the daily retention sweep and the daily backup.

Each runs as the system (``context.SYSTEM``: source "scheduler"), in the clinic's
data folder (the folder that holds the open file).
"""

from __future__ import annotations

from collections.abc import Mapping

from receptionist.clock import Clock
from receptionist.context import SYSTEM, Ctx
from receptionist.jobs.registry import Daily, Job
from receptionist.ops import backups, retention
from receptionist.retention.policy import SWEEP_HOUR
from receptionist.settings.backups import HOUR as BACKUP_HOUR
from receptionist.store.storage import Database


def sweep(db: Database, clock: Clock) -> Mapping[str, int]:
    """The retention sweep: what the policy says is past its time goes; but only once
    a person has swept under the policy as it is (``retention.review``)."""
    if not retention.reviewed(db):
        return {"awaiting_person": 1}
    swept = retention.sweep(db, Ctx(SYSTEM, clock), db.path.parent)
    return {kind: n for kind, n in swept.counts.items() if n}


def backup(db: Database, clock: Clock) -> Mapping[str, int]:
    """A checked backup in the backup folder, then the rotation."""
    made = backups.create(db, Ctx(SYSTEM, clock), db.path.parent)
    return {
        "bytes": made.size,
        "rotated": len(made.removed),
        "log_problem": int(bool(made.log_problem)),
    }


SWEEP = Job("retention.sweep", sweep, Daily(SWEEP_HOUR), lease_minutes=120)
BACKUP = Job("backup", backup, Daily(BACKUP_HOUR), lease_minutes=120)
CORE = (SWEEP, BACKUP)
