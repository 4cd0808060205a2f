"""Operations on a patient's communication log: log a call or message, list the log.

The rules, permission checks and audit events live in ``receptionist.patients.commlog``.
Each entry comes back with the user name of who logged it, as the log shows it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx
from receptionist.models import StaffUser
from receptionist.patients import commlog
from receptionist.patients.commlog import CHANNELS, DIRECTIONS, LIST_LIMIT, CommEntry
from receptionist.reminders import reasons
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.store.storage import Database
from receptionist.texts import Text

__all__ = ["CHANNELS", "DIRECTIONS", "LIST_LIMIT", "CommEntry", "LogRow", "add", "listing"]


@dataclass(frozen=True)
class LogRow:
    """One entry and the user name of who logged it ("" for the system or a removed
    account); ``explained``: for a failed message the dispatcher logged, what its reason
    code means and what to do (``reminders.reasons``), else None."""

    entry: CommEntry
    by: str
    explained: Text | None = None


def add(
    db: Database,
    ctx: Ctx,
    patient_id: str,
    *,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: datetime | str | None = None,
    appointment_id: str | None = None,
) -> LogRow:
    """Log a call or message (now, unless ``occurred_at`` says when: an aware time, or
    the clinic's wall-clock time as a naive datetime or ISO text). Bad input writes
    nothing."""
    with db.write() as s:
        entry = commlog.add(
            s,
            ctx,
            patient_id,
            channel=channel,
            direction=direction,
            summary=summary,
            occurred_at=_moment(s, occurred_at),
            appointment_id=appointment_id,
        )
        return _rows(s, [entry])[0]


def listing(db: Database, ctx: Ctx, patient_id: str, *, limit: int = LIST_LIMIT) -> list[LogRow]:
    """The patient's log, newest first (at most ``limit`` entries)."""
    with db.read() as s:
        return _rows(s, commlog.list_entries(s, ctx, patient_id, limit=limit))


def _moment(s: Session, value: datetime | str | None) -> datetime | None:
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    zone = str(clinicstore.value(s, clinic_settings.TIMEZONE))
    return zones.local_to_utc(value, zone, field="occurred_at")


def _rows(s: Session, entries: Iterable[CommEntry]) -> list[LogRow]:
    found = list(entries)
    ids = {e.recorded_by for e in found if e.recorded_by}
    names: dict[str, str] = {}
    if ids:
        query = select(StaffUser.id, StaffUser.username).where(StaffUser.id.in_(ids))
        names = {user_id: name for user_id, name in s.execute(query)}
    return [LogRow(e, names.get(e.recorded_by or "", ""), _explained(e)) for e in found]


def _explained(e: CommEntry) -> Text | None:
    """A failed message's entry (the dispatcher's: logged by no person) explained, from
    the code it keeps; one logged before migration 0036 keeps none, and its summary's
    words name it (``reasons.logged``)."""
    if e.recorded_by is not None:
        return None
    return (
        reasons.explain(e.reason, e.channel) if e.reason else reasons.logged(e.summary, e.channel)
    )
