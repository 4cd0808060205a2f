"""What Settings > Backups asks of the core, done on a thread of the page's own.

A backup copies the whole clinic and a check unpacks and reads a whole backup, so
neither may hold the desk's one database worker: they run on the page's own
:class:`~ui.tasks.TaskManager`, each on a ``Database.twin`` opened for it and closed
after it (``retentionwork.on_twin``). The calls are the CLI's (``receptionist backup
list|verify|create``): ``ops.backups`` with the person's context, so the core's
permission ("backup.manage") is the one that refuses; "Back up now" is a run of the
backup job itself (``jobs.core.BACKUP``, under its lease: never beside the scheduled
one or another PC's), recorded as "Run now" is in Settings > Jobs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from receptionist.clock import Clock
from receptionist.context import Ctx, require
from receptionist.jobs.core import BACKUP
from receptionist.jobs.runner import Ran, Runner
from receptionist.ops import backups, patients
from receptionist.ops.backups import BackupInfo, Checked
from receptionist.store.storage import Database
from receptionist.texts import Text

from .retentionwork import on_twin

__all__ = ["Found", "Verified", "back_up_now", "look", "on_twin", "verify"]


@dataclass(frozen=True)
class Found:
    """The page's view of the backups: the folder in use, its warning when it is on
    the clinic's own disk, the backups there (newest first) and what each is."""

    folder: Path
    warning: Text | None
    backups: list[BackupInfo]
    kinds: dict[Path, str]


@dataclass(frozen=True)
class Verified:
    checked: Checked
    live_problem: str  # the clinic's own log against its backups' anchors ("" if it holds)


def look(db: Database, ctx: Ctx, root: Path) -> Found:
    """``backup list``: the backups in this PC's backup folder, and the folder's warning."""
    found = backups.listing(db, ctx, root)
    return Found(backups.folder_for(root), backups.placement(root), found, backups.kinds(db, found))


def verify(db: Database, ctx: Ctx, root: Path, path: Path) -> Verified:
    """``backup verify FILE``: whether the backup is whole, and the clinic's own log
    held to its backups' anchors. The secret of an earlier key cannot be typed here:
    the refusal names it (``RECEPTIONIST_PASSPHRASE``, or the CLI, which asks)."""
    found = [b for b in backups.listing(db, ctx, root) if b.this_clinic]
    live = backups.log_against(db, found, ctx.clock.now())
    checked = backups.verify(path, current_key=db.key_id(), zone=patients.clinic_zone(db))
    return Verified(checked, live)


def back_up_now(
    db: Database, ctx: Ctx, clock: Clock, stopping: threading.Event | None = None
) -> Ran | None:
    """The backup job run now for a person who may manage backups; None when another
    runner holds it (the scheduled backup, or another PC's). ``stopping``: the app's
    jobs' (``JobScheduler.runner.stopping``), set as the app closes: the backup then
    ends at its next safe step (its unfinished file removed), as the scheduled one."""
    require(ctx, "backup.manage", backups.CANNOT)
    runner = Runner((BACKUP,))
    if stopping is not None:
        runner.stopping = stopping
    return runner.run_now(db, clock, BACKUP.name, by_person=True)
