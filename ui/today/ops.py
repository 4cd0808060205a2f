"""What the today board and the waitlist ask of the core; each runs on the database worker.

Results cross back to the GUI thread as plain values (frozen dataclasses), never as
ORM rows bound to a closed session.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from receptionist.context import Ctx
from receptionist.schedule import today, waitlist
from receptionist.schedule.today import BoardRow
from receptionist.schedule.waitlist import Candidate, WaitlistRow
from receptionist.store.storage import Database


@dataclass(frozen=True)
class NewEntry:
    """What the add (or edit) dialog collected."""

    patient_id: str
    service_id: str
    provider_id: str | None
    earliest: date | None
    latest: date | None
    times_of_day: tuple[str, ...]
    weekdays: tuple[str, ...]
    note: str
    priority: int


def load_day(db: Database, ctx: Ctx) -> list[BoardRow]:
    with db.read() as s:
        return today.load_day(s, ctx)


def mark(db: Database, ctx: Ctx, appointment_id: str, status: str) -> None:
    with db.write() as s:
        today.mark(s, ctx, appointment_id, status)


def load_waitlist(db: Database, ctx: Ctx) -> list[WaitlistRow]:
    with db.read() as s:
        return waitlist.list_entries(s, ctx)


def add_entry(db: Database, ctx: Ctx, e: NewEntry) -> str:
    with db.write() as s:
        return waitlist.add(s, ctx, **_wishes(e)).id


def save_entry(db: Database, ctx: Ctx, entry_id: str, e: NewEntry) -> str:
    with db.write() as s:
        waitlist.update(s, ctx, entry_id, **_wishes(e))
        return entry_id


def _wishes(e: NewEntry) -> dict[str, Any]:
    """The dialog's fields are the core's keyword arguments, name for name."""
    return {f.name: getattr(e, f.name) for f in fields(e)}


def candidate(db: Database, ctx: Ctx, entry_id: str) -> Candidate:
    with db.read() as s:
        return waitlist.candidate(s, ctx, entry_id)


def mark_booked(db: Database, ctx: Ctx, entry_id: str, appointment_id: str) -> bool:
    """True when the entry was taken off the list (its patient got that appointment)."""
    with db.write() as s:
        return waitlist.mark_booked(s, ctx, entry_id, appointment_id) is not None


def remove_entry(db: Database, ctx: Ctx, entry_id: str, booked: bool) -> None:
    with db.write() as s:
        waitlist.remove(s, ctx, entry_id, booked=booked)
