"""Operations on the waitlist: add, change, remove, list; a candidate for booking, and
marking an entry booked once its patient got a slot.

The checks, the ranking of who fits a freed slot and the audit live in
``receptionist.schedule.waitlist``; each function owns its transaction and returns
:class:`WaitlistRow` (or :class:`Candidate`), never an ORM row.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from receptionist.context import Ctx
from receptionist.models import WaitlistEntry
from receptionist.ops.lookup import by_id_or_prefix
from receptionist.schedule import waitlist
from receptionist.schedule.waitlist import (
    PRIORITIES,
    TIMES_OF_DAY,
    WEEKDAYS,
    Candidate,
    FreedSlot,
    WaitlistRow,
)
from receptionist.store.storage import Database

__all__ = [
    "PRIORITIES",
    "TIMES_OF_DAY",
    "WEEKDAYS",
    "Candidate",
    "FreedSlot",
    "WaitlistRow",
    "Wishes",
    "add",
    "candidate",
    "change",
    "find",
    "listing",
    "mark_booked",
    "remove",
]


@dataclass(frozen=True)
class Wishes:
    """Who waits for what, and which times suit them (all optional but the first two)."""

    patient_id: str
    service_id: str
    provider_id: str | None = None
    earliest: date | None = None
    latest: date | None = None
    times_of_day: tuple[str, ...] = ()  # of TIMES_OF_DAY; none: any time
    weekdays: tuple[str, ...] = ()  # of WEEKDAYS; none: any day
    note: str = ""
    priority: int = 0  # 0 normal, 1 soon, 2 urgent


def add(db: Database, ctx: Ctx, wishes: Wishes) -> WaitlistRow:
    with db.write() as s:
        entry = waitlist.add(s, ctx, **asdict(wishes))
        return waitlist.row_of(s, entry)


def change(db: Database, ctx: Ctx, entry_id: str, wishes: Wishes) -> WaitlistRow:
    """An active entry's wishes, all of them, replaced; no change, no write."""
    with db.write() as s:
        entry = waitlist.update(s, ctx, entry_id, **asdict(wishes))
        return waitlist.row_of(s, entry)


def remove(db: Database, ctx: Ctx, entry_id: str, *, booked: bool = False) -> WaitlistRow:
    """Off the list: ``booked`` when the patient got a slot, else removed."""
    with db.write() as s:
        return waitlist.row_of(s, waitlist.remove(s, ctx, entry_id, booked=booked))


def listing(db: Database, ctx: Ctx, *, active_only: bool = True) -> list[WaitlistRow]:
    """The list, most urgent first, then longest waiting (``active_only=False``: with
    the entries already booked or removed)."""
    with db.read() as s:
        return waitlist.list_entries(s, ctx, active_only=active_only)


def candidate(db: Database, ctx: Ctx, entry_id: str) -> Candidate:
    """What booking this active entry's patient starts from."""
    with db.read() as s:
        return waitlist.candidate(s, ctx, entry_id)


def mark_booked(db: Database, ctx: Ctx, entry_id: str, appointment_id: str) -> bool:
    """Take the entry off as booked if ``appointment_id`` is its patient's; whether it was."""
    with db.write() as s:
        return waitlist.mark_booked(s, ctx, entry_id, appointment_id) is not None


def find(db: Database, key: str, field: str = "entry") -> str:
    """The id of the entry whose id is ``key`` or starts with it (typed text)."""
    with db.read() as s:
        found: WaitlistEntry = by_id_or_prefix(s, WaitlistEntry, key, field)
        return found.id
