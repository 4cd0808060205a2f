"""Migration 0036 (issue #14): ``communication_entry.reason``, a failed message's code
on the entry the dispatcher logged. An entry logged before it keeps "" and is still
explained from its summary's words; a code written after it reaches the change feed
(the entry's triggers name the column); the downgrade drops the column and keeps the
entries."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import add_clinic, downgrade, make_patients
from sqlalchemy import select, text

from receptionist.context import Ctx
from receptionist.models import CommunicationEntry
from receptionist.ops import commlog
from receptionist.reminders import reasons
from receptionist.store import migrate
from receptionist.store.storage import Database

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SUMMARY = "Appointment reminder (24h before) not sent by sms (status: failed; permanent:opted_out)."


def _entries(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        return [(str(r[0]), str(r[1])) for r in s.execute(text(
            "SELECT id, summary FROM communication_entry ORDER BY id"))]  # fmt: skip


def test_0036_keeps_old_entries_explained_and_feeds_a_code_written_after_it(
    db: Database, ctx: Ctx
) -> None:
    with db.write() as s:
        add_clinic(s, AT)
        (pid,) = make_patients(s, AT, (1,))
    downgrade(db, "0035")
    with db.write() as s:  # as the dispatcher of 0035 logged a failed message
        s.execute(text(
            "INSERT INTO communication_entry (id, patient_id, occurred_at, channel, direction,"
            " summary, recorded_by, created_at, updated_at, version)"
            " VALUES ('e1', :p, 1, 'sms', 'out', :s, NULL, 1, 1, 1)"
        ), {"p": pid, "s": SUMMARY})  # fmt: skip
    before = _entries(db)
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    [row] = commlog.listing(db, ctx, pid)
    assert row.entry.reason == "", "an old entry keeps no code"
    assert row.explained == reasons.explain("permanent:opted_out", "sms"), "its words still do"
    with db.write() as s:
        fed = s.scalar(text("SELECT count(*) FROM change_log WHERE row_id = 'e1'"))
        entry = s.get(CommunicationEntry, "e1")
        assert entry is not None
        entry.reason = "permanent:opted_out"
    with db.read() as s:
        after = s.scalar(text("SELECT count(*) FROM change_log WHERE row_id = 'e1'"))
        kept = s.scalar(select(CommunicationEntry.reason).where(CommunicationEntry.id == "e1"))
    assert after == fed + 1, "a change of the code reaches the change feed"
    assert kept == "permanent:opted_out"
    downgrade(db, "0035")
    assert _entries(db) == before, "the entries stay; only the column goes"
    with db.read() as s:
        columns = {r[1] for r in s.execute(text("PRAGMA table_info(communication_entry)"))}
    assert "reason" not in columns and "appointment_start" in columns
    migrate.upgrade(db)
