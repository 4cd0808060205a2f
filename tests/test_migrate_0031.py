"""Migration 0031 (issue #14): ``sync_state.accepted_change``, how far the endpoint has
accepted this PC's changes, and ``reminder_handover_late``. The upgrade from 0030 sets
the column from ``pushed_change`` when no batch waits, and leaves it NULL (not known)
while one does, and makes the table; the downgrade drops both and keeps the row."""

from __future__ import annotations

from factories import downgrade
from sqlalchemy import delete, text

from receptionist.models import SyncPending, SyncState
from receptionist.store import migrate
from receptionist.store.storage import Database


def _accepted(db: Database) -> int | None:
    with db.read() as s:
        row = s.get(SyncState, 1)
        assert row is not None and row.pushed_change == 40
        return row.accepted_change


def _tables(db: Database) -> set[str]:
    with db.read() as s:
        return set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table'")))


def test_0031_adds_accepted_from_pushed_unless_a_batch_waits(db: Database) -> None:
    with db.write() as s:
        s.add(SyncState(id=1, server_url="https://x", clinic_id="c", device_id="d",
                        device_code="B", device_name="B", private_key=b"k", pushed_change=40,
                        accepted_change=40))  # fmt: skip
        s.add(SyncPending(device_seq=7, entity="patient", row_id="p", base_version=0,
                          record="{}"))  # fmt: skip
    downgrade(db, "0030")
    with db.read() as s:
        columns = {str(r[1]) for r in s.execute(text("PRAGMA table_info(sync_state)"))}
    assert "accepted_change" not in columns
    assert "reminder_handover_late" not in _tables(db)
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    assert _accepted(db) is None, "a batch waited: not known"
    assert "reminder_handover_late" in _tables(db)
    with db.write() as s:
        s.execute(delete(SyncPending))
    downgrade(db, "0030")
    migrate.upgrade(db)
    assert _accepted(db) == 40
