"""When a job is due, from its last run in the database and the clock.

A daily job owes the most recent slot (its hour today in the clinic's zone, or
yesterday's if that hour has not come yet): one run however many slots passed while
the PC was off, so a week away is one sweep, not seven. An interval job is due when
its interval has passed since its last run began; its run records that time as the
time it stands for (``due_at``), so a run that began long after it (a pause: the PC
off or asleep) says so in the job's history. Only finished runs count: a run
cut short by a crash is owed again once its claim has lapsed.

Only runs recorded at or before ``now`` count either. A run stamped later than the
clock shows was made under a clock that was ahead (or the clock has been put back
since): it proves nothing about the time as it is now, so it does not hold the job
back. The records keep their times; a clock put back an hour still dispatches
reminders every minute, and a daily job run while the clock was a year ahead runs
again at its next slot, not a year later. Taking the latest run at or before ``now``
(rather than the last one written) also means a clock put back and then forward
again runs no slot twice.

A daily job whose run for the slot failed without doing its work (recorded
``failed`` with no counts: the backup folder out of reach, its disk full) is owed
again after a backoff (``RETRY_MINUTES``: 15 minutes after the first failure, 30
after the second, 60 after the third, then hourly) until a run of that slot
succeeds, or the next slot comes. A failed run that did its part and found something
a person must see (``runner.Problem`` with counts: the backup written, its audit log
found rewritten) is not retried: running it again would find the same.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from receptionist import zones
from receptionist.jobs.registry import Daily, Every, Job
from receptionist.models import JobRun
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore

FINISHED = ("ok", "failed")
# Minutes after a daily job's n-th failed run of a slot (n = 1, 2, ...) before it is
# owed again; the last one repeats.
RETRY_MINUTES = (15, 30, 60)
# The counts of a failed run that did none of its work (``runner``: an exception), as
# stored; a person's sweep that failed is marked so and did none either (``core``).
NOTHING_DONE = ("{}", '{"by_person": 1}')


def latest(
    session: Session, job: str, column: InstrumentedAttribute[datetime], now: datetime
) -> datetime | None:
    """The latest ``column`` (``started_at`` or ``due_at``) of ``job``'s finished runs
    that is not later than ``now``."""
    return session.scalar(
        select(func.max(column)).where(
            JobRun.job == job, JobRun.outcome.in_(FINISHED), column <= now
        )
    )


def slot(session: Session, job: Job, now: datetime) -> datetime:
    """The time a run now stands for: a daily job's latest slot; an interval job's
    time it became due (``now`` if it is not due yet: run by hand)."""
    if isinstance(job.trigger, Every):
        return min(now, _interval_due(session, job.name, job.trigger, now))
    return _daily_slot(session, job.trigger, now)


def _interval_due(session: Session, name: str, trigger: Every, now: datetime) -> datetime:
    """When an interval job is, or became, due: its interval after its last run began
    (``now`` if it never ran). A run that begins much later than that followed a pause:
    the PC off or asleep, the app closed (``runner.PAUSED``)."""
    began = latest(session, name, JobRun.started_at, now)
    return now if began is None else began + timedelta(minutes=trigger.minutes)


def _daily_slot(session: Session, trigger: Daily, now: datetime) -> datetime:
    """The latest instant at or before ``now`` when the clinic's clock shows the hour."""
    hour = int(clinicstore.value(session, trigger.hour))  # type: ignore[call-overload]
    tz = zones.zone(str(clinicstore.value(session, clinic_settings.TIMEZONE)))
    today = now.astimezone(tz).date()
    for back in (0, 1, 2):
        day = today - timedelta(days=back)
        at = zones.wall_to_utc(datetime(day.year, day.month, day.day, hour), tz)
        if at <= now:
            return at
    raise AssertionError("a day has that hour")  # pragma: no cover


def due(session: Session, job: Job, now: datetime) -> datetime | None:
    """The slot ``job`` owes now (an interval job's: when it became due), or None when
    it is not due."""
    if isinstance(job.trigger, Every):
        owed = _interval_due(session, job.name, job.trigger, now)
        return owed if owed <= now else None
    owed = _daily_slot(session, job.trigger, now)
    done = latest(session, job.name, JobRun.due_at, now)
    if done is None or done < owed:
        return owed
    again = _retry_at(session, job.name, owed, now)
    return owed if again is not None and again <= now else None


def next_due(session: Session, job: Job, now: datetime) -> datetime:
    """When ``job`` is next due (``now`` or earlier when it is due already): a daily
    job whose run of the slot failed, its retry (:data:`RETRY_MINUTES`) if that comes
    before the next slot."""
    if isinstance(job.trigger, Every):
        return _interval_due(session, job.name, job.trigger, now)
    owed = _daily_slot(session, job.trigger, now)
    done = latest(session, job.name, JobRun.due_at, now)
    if done is None or done < owed:
        return owed
    following = _next_daily(session, job.trigger, owed)
    again = _retry_at(session, job.name, owed, now)
    return following if again is None else min(again, following)


def _retry_at(session: Session, name: str, owed: datetime, now: datetime) -> datetime | None:
    """When a daily job whose runs of the slot ``owed`` all failed without doing their
    work is owed again: the last one's end plus the backoff for how many failed. None
    when a run of the slot succeeded (or did its part and found a problem)."""
    runs = session.execute(
        select(JobRun.outcome, JobRun.counts, JobRun.started_at, JobRun.ended_at).where(
            JobRun.job == name,
            JobRun.outcome.in_(FINISHED),
            JobRun.due_at >= owed,
            JobRun.due_at <= now,
            JobRun.started_at <= now,
        )
    ).all()
    if not runs or any(r.outcome != "failed" or r.counts not in NOTHING_DONE for r in runs):
        return None
    last: datetime = max(r.ended_at or r.started_at for r in runs)
    wait = RETRY_MINUTES[min(len(runs), len(RETRY_MINUTES)) - 1]
    return last + timedelta(minutes=wait)


def _next_daily(session: Session, trigger: Daily, after: datetime) -> datetime:
    # The first slot after ``after``: a day later in the clinic's wall time (DST-safe).
    return _daily_slot(session, trigger, after + timedelta(hours=26))
