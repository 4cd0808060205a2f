"""What Settings > Retention asks of the file, done on a thread of the page's own.

A dry run reads the whole clinic and a sweep writes for as long as it takes, so
neither may hold the desk's one database worker: both run on the page's own
:class:`~ui.tasks.TaskManager`, each on a ``Database.twin`` opened for it and closed
after it (the sweep's batches are short writes, so a booking made meanwhile waits at
most one batch). The sweep is a person's: ``jobs.core.sweep_now``, under the sweep
job's lease, so it never runs beside the scheduled sweep or another PC's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from receptionist.context import Ctx
from receptionist.jobs.core import sweep_now, sweep_running
from receptionist.ops import retention, sweepstatus
from receptionist.ops import settings as registry_ops
from receptionist.ops.retention import Plan, Swept
from receptionist.ops.settings import Entry
from receptionist.store.storage import Database

from ..tasks import Progress

T = TypeVar("T")
GROUP = "retention."


@dataclass(frozen=True)
class Look:
    """The page's view of the file: the policy, whether a sweep runs now, and how the
    periodic destruction stands (the last sweep; the nightly one waiting)."""

    policies: tuple[Entry, ...]
    running: bool
    status: sweepstatus.SweepStatus


def on_twin(main: Database, work: Callable[[Database], T]) -> T:
    """``work`` on a Database of its own on ``main``'s file, closed after."""
    twin = main.twin()
    try:
        return work(twin)
    finally:
        twin.close()


def look(db: Database, ctx: Ctx) -> Look:
    policies = tuple(e for e in registry_ops.entries(db, ctx) if e.key.startswith(GROUP))
    status = sweepstatus.sweep_status(db, ctx.clock)
    return Look(policies, sweep_running(db, ctx.clock), status)


def dry_run(db: Database, ctx: Ctx, root: Path) -> tuple[Plan, Look]:
    """A person's dry run, audited: the core lets a sweep go after it (``review``)."""
    return retention.review(db, ctx, root), look(db, ctx)


def sweep(db: Database, ctx: Ctx, root: Path, progress: Progress, total: int) -> Swept:
    """Sweep now, telling ``progress`` how many of the ``total`` appointments and
    patients the dry run found are gone."""
    gone: dict[str, int] = {}

    def tell(kind: str, done: int) -> None:
        if kind in ("appointment", "patient", retention.ANONYMISED):
            gone[kind] = done
            progress.report(min(sum(gone.values()), total), total)

    return sweep_now(db, ctx, root, tell=tell)
