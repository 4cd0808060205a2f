"""Migration 0032 (issue #14): ``change_log.moved``, whether an appointment's change
moved or cancelled it. The upgrade adds it (NULL on the entries kept: not said, the
takeover weighs them as moves, as before) and re-creates the appointment's update
trigger to write it; the downgrade drops it and the trigger writes entries as before."""

from __future__ import annotations

from datetime import timedelta

from factories import downgrade
from reminderclinic import at, make
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.schedule import booking
from receptionist.store import migrate
from receptionist.store.storage import Database


def _older_write(db: Database, appointment: str, change: str) -> None:
    with db.write() as s:
        s.execute(text(f"UPDATE appointment SET {change} WHERE id = :id"), {"id": appointment})


def _feed(db: Database) -> list[tuple[str, object]]:
    with db.read() as s:
        names = {str(row[1]) for row in s.execute(text("PRAGMA table_info(change_log)"))}
        moved = "moved" if "moved" in names else "'-'"
        query = f"SELECT kind, {moved} FROM change_log WHERE entity = 'appointment' ORDER BY seq"
        return [(str(kind), flag) for kind, flag in s.execute(text(query))]


def test_0032_adds_moved_and_the_trigger_writes_it(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    clinic = make(db, ctx, clock)
    patient = clinic.patient(1)
    x = clinic.book(patient, at(4, 10))
    downgrade(db, "0030")
    # An older PC's write, in SQL: today's ops read columns a later migration adds
    # (0035's ``patient.anonymised_at``), which a file at 0030 does not have.
    _older_write(db, x, "notes = coalesce(notes, '') || 'moved by an older PC'")
    assert _feed(db) == [("insert", "-"), ("update", "-")]
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    with db.write() as s:
        booking.set_status(s, ctx, x, "confirmed")
    clock.advance(minutes=1)
    clinic.move(x, at(4, 12) + timedelta(minutes=30))
    assert _feed(db) == [("insert", None), ("update", None), ("update", 0), ("update", 1)]
    downgrade(db, "0030")
    _older_write(db, x, "status = 'cancelled'")
    assert _feed(db) == [("insert", "-"), *[("update", "-")] * 4]
