"""Running jobs: claim, run, record; and what Settings > Jobs shows.

Each run is three short transactions: the claim (is it due, is it free: the lease
and a ``running`` record, together), the job's own work (its own transactions), and
the record of how it ended. A job that raises is recorded ``failed`` with the type
and place of the error only (``safelog.describe``: no message, so no patient data).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.jobs import due, lease
from receptionist.jobs.registry import Job, named
from receptionist.models import JobRun
from receptionist.ops import lookcopy
from receptionist.safelog import describe
from receptionist.store.storage import Database

log = logging.getLogger(__name__)
KEEP_RUNS = 200  # per job: the record of runs does not grow for ever


@dataclass(frozen=True)
class Ran:
    job: str
    outcome: str  # ok | failed
    counts: dict[str, int]
    started_at: datetime
    ended_at: datetime
    error: str


@dataclass(frozen=True)
class JobStatus:
    name: str
    trigger: str
    last_started: datetime | None
    last_ended: datetime | None
    outcome: str | None  # ok | failed | running | interrupted; None: never ran
    counts: dict[str, int]
    error: str
    next_due: datetime
    running: bool  # some runner holds it now


def new_holder() -> str:
    """A runner's name in leases: this host and process, and a random tail."""
    return f"{platform.node()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Problem(Exception):
    """A job's work did its part but found something a person must see: the run is
    recorded ``failed`` with ``said`` (a sentence with no patient data) as its error,
    and with the ``counts`` it did (the backup that found the audit log rewritten)."""

    def __init__(self, said: str, counts: Mapping[str, int]) -> None:
        super().__init__(said)
        self.said, self.counts = said, dict(counts)


class Runner:
    """Runs the due jobs of ``jobs`` against one database, under one holder name."""

    def __init__(self, jobs: Iterable[Job], holder: str | None = None) -> None:
        self.jobs = tuple(jobs)
        self.holder = holder or new_holder()

    def run_due(self, db: Database, clock: Clock) -> list[Ran]:
        """Run every job that is due now and free; one run each. None in a copy
        restored to look at (``ops/lookcopy.py``): it sends, syncs, backs up and sweeps
        nothing until a person adopts it."""
        if lookcopy.restored_copy(db.path.parent) is not None:
            return []
        return [ran for job in self.jobs if (ran := self._run(db, clock, job, False))]

    def run_now(self, db: Database, clock: Clock, name: str) -> Ran | None:
        """Run ``name`` now, due or not ("Run now"); None if another runner holds it.
        Refused (``lookcopy.LookOnlyCopy``) in a copy restored to look at."""
        job = named(self.jobs, name)
        if job is None:
            raise KeyError(name)
        lookcopy.refuse(db.path.parent, lookcopy.NO_JOBS)
        return self._run(db, clock, job, True)

    def _run(self, db: Database, clock: Clock, job: Job, force: bool) -> Ran | None:
        run_id = self._claim(db, clock, job, force)
        if run_id is None:
            return None
        started = clock.now()
        try:
            counts = {k: int(v) for k, v in job.work(db, clock).items()}
            outcome, error = "ok", ""
        except Problem as problem:  # its work is done; a person must see what it found
            counts, outcome, error = problem.counts, "failed", str(problem.said)
            log.error("job %s found a problem: %s", job.name, counts)
        except Exception as exc:  # a job's failure is recorded, and the next job runs
            counts, outcome, error = {}, "failed", describe(exc)
            log.error("job %s failed: %s", job.name, error)
        ended = clock.now()
        self._finish(db, job, run_id, outcome, counts, error, ended)
        return Ran(job.name, outcome, counts, started, ended, error)

    def _claim(self, db: Database, clock: Clock, job: Job, force: bool) -> int | None:
        with db.write() as s:
            now = clock.now()
            owed = due.slot(s, job, now) if force else due.due(s, job, now)
            if owed is None or not lease.take(s, job.name, self.holder, now, job.lease_minutes):
                return None
            _interrupted(s, job.name)
            run = JobRun(job=job.name, started_at=now, due_at=owed, outcome="running")
            s.add(run)
            s.flush()
            return run.id

    def _finish(
        self, db: Database, job: Job, run_id: int, outcome: str, counts: Mapping[str, int],
        error: str, ended: datetime,
    ) -> None:  # fmt: skip
        with db.write() as s:
            run = s.get(JobRun, run_id)
            if run is not None:
                run.ended_at, run.outcome, run.error = ended, outcome, error
                run.counts = json.dumps(dict(counts), sort_keys=True)
            lease.release(s, job.name, self.holder)
            _prune(s, job.name)


def _interrupted(session: Session, job: str) -> None:
    """Runs left ``running`` by a runner whose claim lapsed (it died): say so."""
    for run in session.scalars(
        select(JobRun).where(JobRun.job == job, JobRun.outcome == "running")
    ):
        run.outcome = "interrupted"


def _prune(session: Session, job: str) -> None:
    cut = session.scalars(
        select(JobRun.id).where(JobRun.job == job).order_by(JobRun.id.desc()).offset(KEEP_RUNS)
    ).first()
    if cut is not None:
        session.execute(delete(JobRun).where(JobRun.job == job, JobRun.id <= cut))


def status(db: Database, clock: Clock, jobs: Iterable[Job]) -> list[JobStatus]:
    """Each job's last run, next due time, and whether a runner holds it now."""
    found = []
    with db.read() as s:
        now = clock.now()
        for job in jobs:
            last = s.scalars(
                select(JobRun).where(JobRun.job == job.name).order_by(JobRun.id.desc()).limit(1)
            ).first()
            found.append(
                JobStatus(
                    job.name,
                    job.trigger.describe(),
                    last.started_at if last else None,
                    last.ended_at if last else None,
                    last.outcome if last else None,
                    json.loads(last.counts) if last else {},
                    last.error if last else "",
                    due.next_due(s, job, now),
                    lease.holder_of(s, job.name, now, job.lease_minutes) is not None,
                )
            )
    return found
