"""One runner of a job at a time, across processes: a lease row in the database.

The app and ``receptionist scheduler`` may both run on one PC, and a second PC may
share the file over a network share; each runner claims a job inside a write
transaction (BEGIN IMMEDIATE: writers queue), so two claims never both succeed. A
claim lapses at ``expires_at``, so a runner that died frees the job by itself. A claim
lapsing later than the job's lease from now was taken under a clock that was ahead
(the clock has been put back since): it counts as lapsed, or a runner that died then
would hold the job (and a person's sweep) until the clock came round to it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from receptionist.models import JobLease


def take(session: Session, job: str, holder: str, now: datetime, minutes: int) -> bool:
    """Claim ``job`` for ``holder`` until ``now + minutes``; False if another holds it."""
    row = session.get(JobLease, job)
    until = now + timedelta(minutes=minutes)
    if row is None:
        session.add(JobLease(job=job, holder=holder, expires_at=until))
    elif row.holder == holder or not _live(row, now, minutes):
        row.holder, row.expires_at = holder, until
    else:
        return False
    session.flush()
    return True


def holder_of(session: Session, job: str, now: datetime, minutes: int) -> str | None:
    """Who holds ``job`` (whose lease is ``minutes`` long) now (None when no live claim)."""
    row = session.get(JobLease, job)
    return row.holder if row is not None and _live(row, now, minutes) else None


def _live(row: JobLease, now: datetime, minutes: int) -> bool:
    """Whether the claim ``row`` still holds: not lapsed, nor stamped by a clock ahead."""
    return now < row.expires_at <= now + timedelta(minutes=minutes)


def release(session: Session, job: str, holder: str) -> None:
    session.execute(delete(JobLease).where(JobLease.job == job, JobLease.holder == holder))
