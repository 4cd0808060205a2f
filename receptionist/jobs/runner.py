"""Running jobs: claim, run, record; and what Settings > Jobs shows (each job's last
run, ``status``; the runs kept of one, ``history``).

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
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from receptionist.clock import Clock
from receptionist.jobs import due, lease
from receptionist.jobs.registry import Every, Job, named
from receptionist.models import JobRun
from receptionist.safelog import describe
from receptionist.store import lookcopy
from receptionist.store.storage import Database

log = logging.getLogger(__name__)
# The record of runs does not grow for ever. Each job keeps its newest KEEP_RUNS runs,
# whatever they were; and, older than those, the newest KEEP_WORK of them that did
# something (counts beyond what ``Job.quiet`` calls nothing) and the newest KEEP_FAILED
# that failed or were cut short. A job that runs every minute mostly finds nothing due:
# 200 runs are its last three hours and some, while the runs that sent, planned or
# failed go back days (a clinic's reminder rounds that did something: a week or more),
# so "reminders stopped on Tuesday" can be looked into on Friday. A daily job's 200 runs
# are more than six months. At most 800 small rows a job (no patient data).
# Older than the newest KEEP_RUNS, the two runs of an interval job around each pause
# stay too (the last before it, and the first after: one that began more than PAUSED
# after it was due, ``due.slot``), counted with those that did something: so a PC that
# was off on Tuesday shows as a gap between two kept runs, not as a day without rounds
# that did something.
KEEP_RUNS = 200
KEEP_WORK = 500
KEEP_FAILED = 100
PAUSED = timedelta(minutes=5)
FELL_SHORT = ("failed", "interrupted", "stopped")
LOOKED_AT = 5  # runs just past the newest KEEP_RUNS that each prune looks at


@dataclass(frozen=True)
class Ran:
    job: str
    outcome: str  # ok | failed | stopped
    counts: dict[str, int]
    started_at: datetime
    ended_at: datetime
    error: str


@dataclass(frozen=True)
class Run:
    """One kept run of a job, as ``jobs history`` and Settings > Jobs' history show it."""

    started_at: datetime
    ended_at: datetime | None
    outcome: str  # ok | failed | stopped | running | interrupted
    counts: dict[str, int]
    error: str  # a failed run's error: type and place only (safelog)
    quiet: bool  # it ran and did nothing (Job.quiet: nothing due, not connected)
    due_at: datetime  # when it was due (a daily job's slot)
    # It began more than PAUSED after it was due: the PC was off or asleep, or no app
    # or service ran the jobs, since the run before it.
    after_pause: bool


def after_pause(job: Job, started_at: datetime, due_at: datetime) -> bool:
    """Whether a run of ``job`` that began at ``started_at``, due at ``due_at``, followed
    a pause. Interval jobs only: a daily job's run stands for its slot, and one run by
    hand hours after it ("Run now") is no pause."""
    return isinstance(job.trigger, Every) and started_at - due_at > PAUSED


@dataclass(frozen=True)
class JobStatus:
    name: str
    trigger: str
    last_started: datetime | None
    last_ended: datetime | None
    outcome: str | None  # ok | failed | stopped | running | interrupted; None: never ran
    counts: dict[str, int]
    error: str
    next_due: datetime  # when it next runs: ``now`` when it is owed already
    running: bool  # some runner holds it now
    owed: bool = False  # due now: the next tick of a running scheduler runs it


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


class Stopped(Exception):
    """A job's work ended early at a safe step because its process is stopping
    (:func:`stop_asked`): the run is recorded ``stopped`` ("stopped when the app
    closed"), not ``failed``, with the ``counts`` of what it did before; such a run is
    no finished one (``due.FINISHED``), so the job is owed again and its next run goes
    on from where this one stopped."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        super().__init__("stopped")
        self.counts = dict(counts)


# The running job's runner's ``stopping`` (set in its thread while the job works).
_STOPPING: ContextVar[threading.Event | None] = ContextVar("stopping", default=None)


# Whether the running job was asked for by a person (``Runner.run_now(by_person=True)``:
# Back up now, Run now, ``jobs run``), set in its thread while the job works.
_BY_PERSON: ContextVar[bool] = ContextVar("by_person", default=False)


def asked_by_person() -> bool:
    """Whether the job running in this thread was asked for by a person (not its
    schedule, nor the network's return): a backup it makes is then "by hand"
    (``ops.backups.BY_HAND``). False outside a runner's job."""
    return _BY_PERSON.get()


def stop_asked() -> bool:
    """Whether the process running this job is stopping (the app closing, the service
    asked to stop): a job of many steps (the reminders' round: one message after the
    other; the sweep's batches; a sync's pages) ends at the next step that leaves
    everything in a known state, instead of keeping the process waiting for all of
    them (the job then raises :class:`Stopped`). False outside a runner's job."""
    stopping = _STOPPING.get()
    return stopping is not None and stopping.is_set()


def stop_asker() -> Callable[[], bool]:
    """:func:`stop_asked` for work the job hands to another thread (Google's calls run
    on the Google thread, where the job's context is not): a function that answers
    for the runner of the job calling this, from any thread."""
    stopping = _STOPPING.get()
    return lambda: stopping is not None and stopping.is_set()


class Runner:
    """Runs the due jobs of ``jobs`` against one database, under one holder name."""

    def __init__(self, jobs: Iterable[Job], holder: str | None = None) -> None:
        self.jobs = tuple(jobs)
        self.holder = holder or new_holder()
        # Set when the runner's process is stopping: no job starts after it.
        self.stopping = threading.Event()
        self.current: tuple[str, int] | None = None  # the job running now, its run's id

    def run_due(self, db: Database, clock: Clock) -> list[Ran]:
        """Run every job that is due now and free; one run each (none once stopping).
        None in a copy restored to look at (``store/lookcopy.py``): it sends, syncs, backs
        up and sweeps nothing until a person adopts it."""
        if lookcopy.restored_copy(db.path.parent) is not None:
            return []
        return [ran for job in self.jobs if (ran := self._run(db, clock, job, False))]

    def run_now(
        self, db: Database, clock: Clock, name: str, *, by_person: bool = False
    ) -> Ran | None:
        """Run ``name`` now, due or not ("Run now"); None if another runner holds it.
        ``by_person``: a person asked for it (:func:`asked_by_person` says so to the
        job). Refused (``lookcopy.LookOnlyCopy``) in a copy restored to look at."""
        job = named(self.jobs, name)
        if job is None:
            raise KeyError(name)
        lookcopy.refuse(db.path.parent, lookcopy.NO_JOBS)
        person = _BY_PERSON.set(by_person)
        try:
            return self._run(db, clock, job, True)
        finally:
            _BY_PERSON.reset(person)

    def _run(self, db: Database, clock: Clock, job: Job, force: bool) -> Ran | None:
        if self.stopping.is_set():
            return None
        run_id = self._claim(db, clock, job, force)
        if run_id is None:
            return None
        self.current = (job.name, run_id)
        try:
            started = clock.now()
            token = _STOPPING.set(self.stopping)
            try:
                counts = {k: int(v) for k, v in job.work(db, clock).items()}
                outcome, error = "ok", ""
            except Stopped as stopped:  # ended early at a safe step: the process stops
                counts, outcome, error = stopped.counts, "stopped", ""
                log.info("job %s stopped early: %s", job.name, counts)
            except Problem as problem:  # its work is done; a person must see what it found
                counts, outcome, error = problem.counts, "failed", str(problem.said)
                log.error("job %s found a problem: %s", job.name, counts)
            except Exception as exc:  # a job's failure is recorded, and the next job runs
                counts, outcome, error = {}, "failed", describe(exc)
                log.error("job %s failed: %s", job.name, error)
            finally:
                _STOPPING.reset(token)
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
            _prune(s, job)


def record(
    session: Session, job: Job, started: datetime, ended: datetime, outcome: str,
    counts: Mapping[str, int], error: str = "",
) -> None:  # fmt: skip
    """A run of ``job`` done outside a runner, as a runner would have recorded it (a
    person's sweep, ``core.sweep_now``, under the job's lease): it stands for the slot
    it ran in (``due.slot``, as "Run now"), so Settings > Jobs, ``jobs list`` and
    ``jobs history`` show it as the job's last run, and the slot is not owed again."""
    owed = due.slot(session, job, started)
    session.add(
        JobRun(job=job.name, started_at=started, due_at=owed, ended_at=ended, outcome=outcome,
               error=error, counts=json.dumps(dict(counts), sort_keys=True))
    )  # fmt: skip
    session.flush()
    _prune(session, job)


def _interrupted(session: Session, job: str) -> None:
    """Runs left ``running`` by a runner whose claim lapsed (it died): say so."""
    for run in session.scalars(
        select(JobRun).where(JobRun.job == job, JobRun.outcome == "running")
    ):
        run.outcome = "interrupted"


def _prune(session: Session, job: Job) -> None:
    """Drop the runs of ``job`` that the KEEP_* rules do not keep, at the end of each
    run: the runs that have just fallen out of the newest KEEP_RUNS are looked at (a
    few, in case a run ended without its prune: killed) and those that did nothing go,
    unless they stand at a pause; so older than the newest KEEP_RUNS there are only
    runs that did something or stand at a pause ("ok") and runs that failed or were cut
    short, each kind cut to its newest KEEP_WORK and KEEP_FAILED when the run that fell
    out is of that kind. Mostly one small read (a minute job's runs mostly do nothing):
    its write lock is held about as long as before (``benchmarks/bench_jobs.py``)."""
    mine = JobRun.job == job.name
    edge = session.execute(
        select(JobRun.id, JobRun.outcome, JobRun.counts, JobRun.started_at, JobRun.due_at)
        .where(mine)
        .order_by(JobRun.id.desc())
        .offset(KEEP_RUNS - 1)
        .limit(LOOKED_AT + 1)
    ).all()
    fallen = edge[1:]  # and edge[0], the oldest of the newest: the run after fallen[0]
    if not fallen:
        return
    boundary = fallen[0].id  # the newest run older than the newest KEEP_RUNS
    gone = [
        run.id
        for newer, run in zip(edge, fallen, strict=False)
        if not _kept(job, run.outcome, run.counts)
        and not after_pause(job, run.started_at, run.due_at)  # the first after a pause
        and not after_pause(job, newer.started_at, newer.due_at)  # the last before one
    ]
    if gone:
        session.execute(delete(JobRun).where(JobRun.id.in_(gone)))
    if boundary in gone:
        return  # the run that fell out did nothing: no kind grew past the newest
    for kinds, keep in ((("ok",), KEEP_WORK), (FELL_SHORT, KEEP_FAILED)):
        if fallen[0].outcome not in kinds:
            continue  # that kind did not grow
        of_kind = mine & (JobRun.id <= boundary) & JobRun.outcome.in_(kinds)
        cut = session.scalars(
            select(JobRun.id).where(of_kind).order_by(JobRun.id.desc()).offset(keep).limit(1)
        ).first()
        if cut is not None:
            session.execute(delete(JobRun).where(of_kind, JobRun.id <= cut))


def _kept(job: Job, outcome: str, counts: str) -> bool:
    """A run kept past the newest for what it was: it failed or was cut short, or it did
    something."""
    return outcome in FELL_SHORT or (outcome == "ok" and not job.quiet(json.loads(counts)))


def history(db: Database, clock: Clock, job: Job, limit: int | None = None) -> list[Run]:
    """The kept runs of ``job``, newest first (the newest ``limit`` of them; see
    KEEP_RUNS for which are kept). A run still marked ``running`` that no runner holds
    any more (its runner died; the next run will mark it) reads ``interrupted``."""
    with db.read() as s:
        query = select(JobRun).where(JobRun.job == job.name).order_by(JobRun.id.desc())
        rows = list(s.scalars(query.limit(limit) if limit is not None else query))
        held = lease.holder_of(s, job.name, clock.now(), job.lease_minutes) is not None
    runs = []
    for row in rows:
        counts = json.loads(row.counts)
        outcome = "interrupted" if row.outcome == "running" and not held else row.outcome
        quiet = outcome == "ok" and job.quiet(counts)
        paused = after_pause(job, row.started_at, row.due_at)
        runs.append(
            Run(row.started_at, row.ended_at, outcome, counts, row.error, quiet, row.due_at, paused)
        )
    return runs


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
