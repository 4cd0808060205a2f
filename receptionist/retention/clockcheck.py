"""Whether the PC's clock may be trusted to destroy by: the scheduled sweep's check.

A sweep destroys what the policy says is past its time *by the PC's clock*. A clock
far ahead (a wrong year typed in) would destroy months of records early, and nothing
brings them back. The file cannot tell the true time, but its audit log says when
things happened by the clock as it was, so two doubts can be read from it:

- **Behind**: the log since the last sweep (its own event included) holds work
  stamped more than :data:`BEHIND` later than the clock shows now. Either the clock
  was put back since, or it was ahead when that work was done.
- **A long gap**: the last sweep (a person's or the scheduler's) is more than
  :data:`GAP` before now. The nightly sweep runs every day the PC (the app or
  ``receptionist service``) runs, so a gap this long means the PC was off for weeks,
  or the clock jumped ahead. The file cannot tell which, so a person decides.

Either way the *scheduled* sweep destroys nothing and says why (its counts:
``clock_behind_days`` / ``clock_gap_days``; :func:`reason`), and, having swept
nothing, leaves the same doubt for the next night. A person's sweep is not stopped:
the person sees the date and the dry run, and is the check. It is also the way out:
a sweep starts the log that the next check reads, so a clock that was ahead for a
while and then corrected (work stamped in the future) holds the nightly sweep back
only until a person has swept, not until that date comes round. Reading only the log
since the last sweep also keeps the check to about a day's events. A clock ahead by
less than :data:`GAP`, with the PC in daily use, is not noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.models import AuditEvent
from receptionist.texts import QT_TRANSLATE_NOOP, Text

BEHIND = timedelta(days=2)  # more than time zones, summer time and a slow clock
GAP = timedelta(days=14)  # a wrong month typed in is caught; a long closure asks once

BEHIND_KEY = "clock_behind_days"
GAP_KEY = "clock_gap_days"

CLOCK_BEHIND = QT_TRANSLATE_NOOP(
    "core",
    "The PC's clock looks wrong: this clinic's file holds work recorded {days} days "
    "later than the clock shows now. The nightly retention sweep destroys nothing while "
    "this is so. Check the date and time; if they are right, sweep once yourself "
    "(Settings > Retention, or receptionist sweep).",
)
CLOCK_GAP = QT_TRANSLATE_NOOP(
    "core",
    "The PC's clock may be wrong: the last retention sweep was {days} days ago by it. "
    "After a gap this long the nightly sweep waits for a person. Check the date and "
    "time; if they are right, sweep once yourself (Settings > Retention, or "
    "receptionist sweep).",
)


@dataclass(frozen=True)
class Doubt:
    key: str  # BEHIND_KEY | GAP_KEY
    days: int

    @property
    def text(self) -> Text:
        return Text(CLOCK_BEHIND if self.key == BEHIND_KEY else CLOCK_GAP, days=self.days)


def doubt(session: Session, now: datetime) -> Doubt | None:
    """Why the clock should not be trusted to sweep by now, or None (also when no sweep
    ran yet: the first is a person's, ``retention.review``)."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.at)
        .where(AuditEvent.action == "sweep", AuditEvent.entity_type == "retention")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    newest = session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.seq >= last.seq))
    if newest is not None and newest - now > BEHIND:
        return Doubt(BEHIND_KEY, _days(newest - now))
    if now - last.at > GAP:
        return Doubt(GAP_KEY, _days(now - last.at))
    return None


def _days(span: timedelta) -> int:
    return max(1, span.days)


def reason(counts: dict[str, int]) -> Text | None:
    """The sentence for a scheduled sweep's counts that say it did not trust the clock."""
    for key in (BEHIND_KEY, GAP_KEY):
        if key in counts:
            return Doubt(key, counts[key]).text
    return None
