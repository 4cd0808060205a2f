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
import threading
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
    next_due: datetime  # when it next runs: ``now`` when it is owed already
    running: bool  # some runner holds it now
    owed: bool = False  # due now: the next tick of a running scheduler runs it


def new_holder() -> str:
    """A runner's name in leases: this host and process, and a random tail."""
    return f"{platform.node()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Runner:
    """Runs the due jobs of ``jobs`` against one database, under one holder name."""

    def __init__(self, jobs: Iterable[Job], holder: str | None = None) -> None:
        self.jobs = tuple(jobs)
        self.holder = holder or new_holder()
        # Set when the runner's process is stopping: no job starts after it.
        self.stopping = threading.Event()
        self.current: tuple[str, int] | None = None  # the job running now, its run's id

    def run_due(self, db: Database, clock: Clock) -> list[Ran]:
        """Run every job that is due now and free; one run each (none once stopping)."""
        return [ran for job in self.jobs if (ran := self._run(db, clock, job, False))]

    def run_now(self, db: Database, clock: Clock, name: str) -> Ran | None:
        """Run ``name`` now, due or not ("Run now"); None if another runner holds it."""
        job = named(self.jobs, name)
        if job is None:
            raise KeyError(name)
        return self._run(db, clock, job, True)

    def _run(self, db: Database, clock: Clock, job: Job, force: bool) -> Ran | None:
        if self.stopping.is_set():
            return None
        run_id = self._claim(db, clock, job, force)
        if run_id is None:
            return None
        self.current = (job.name, run_id)
        try:
            started = clock.now()
            try:
                counts = {k: int(v) for k, v in job.work(db, clock).items()}
                outcome, error = "ok", ""
            except Exception as exc:  # a job's failure is recorded, and the next job runs
                counts, outcome, error = {}, "failed", describe(exc)
                log.error("job %s failed: %s", job.name, error)
            ended = clock.now()
            self._finish(db, job, run_id, outcome, counts, error, ended)
        finally:
            self.current = None
        return Ran(job.name, outcome, counts, started, ended, error)

    def abandon(self, db: Database) -> str | None:
        """The process gives up the job it is running (a second Ctrl+C): its run is
        recorded ``interrupted`` and its lease let go, in one transaction, so the next
        runner need not wait for the lease to lapse. The job's own transactions are
        each whole: what it had not committed is rolled back when the process exits.
        ``db`` is a connection of the caller's (the job's own is busy). The job's name,
        or None when none was running."""
        self.stopping.set()
        running = self.current
        if running is None:
            return None
        name, run_id = running
        with db.write() as s:
            run = s.get(JobRun, run_id)
            if run is not None and run.outcome == "running":
                run.outcome = "interrupted"
            lease.release(s, name, self.holder)
        return name

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
            next_due = due.next_due(s, job, now)
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
                    max(next_due, now),
                    lease.holder_of(s, job.name, now, job.lease_minutes) is not None,
                    next_due <= now,
                )
            )
    return found
