"""Migration 0030 (issue #14): ``reminder_handover.pushed``, how far a stand-by had
pushed its own changes when it heard the holder's last renewal. The upgrade from 0029
adds it (NULL on the rows kept: not known, the takeover as before); the downgrade
drops it and keeps the rows."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import downgrade
from sqlalchemy import text

from receptionist.models import ReminderHandover
from receptionist.store import migrate
from receptionist.store.storage import Database

AT = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)


def _columns(db: Database) -> set[str]:
    with db.read() as s:
        rows = s.execute(text("PRAGMA table_info(reminder_handover)")).all()
        return {str(row[1]) for row in rows}


def test_0030_adds_pushed_and_keeps_the_handovers(db: Database) -> None:
    with db.write() as s:
        s.add(ReminderHandover(kind="watch", cutoff=AT, mark=7, pushed=5, updated_at=AT))
    downgrade(db, "0029")
    assert "pushed" not in _columns(db)
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    assert "pushed" in _columns(db)
    with db.read() as s:
        kept = s.get(ReminderHandover, "watch")
        assert kept is not None
        assert (kept.cutoff, kept.mark, kept.pushed) == (AT, 7, None)
