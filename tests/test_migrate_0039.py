"""Migration 0039 (issue #14): ``reminder_handover.doubted``, a forced takeover's old
holder's last renewal (a minute after, the endpoint's time). A forced handover kept
before it has none (NULL): the next round that says the same takeover fills it in
without making it a new handover (its mark and ``pushed`` kept); the downgrade drops
the column and keeps the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factories import downgrade
from sqlalchemy import text

from receptionist.models import ReminderHandover
from receptionist.reminders import handover
from receptionist.store import migrate
from receptionist.store.storage import Database

FORCED = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # the force: the cutoff
DOUBTED = FORCED - timedelta(minutes=40)  # the old holder's last renewal, a minute after


def _columns(db: Database) -> set[str]:
    with db.read() as s:
        rows = s.execute(text("PRAGMA table_info(reminder_handover)")).all()
        return {str(row[1]) for row in rows}


def test_0039_adds_the_forced_renewal_and_an_old_forced_handover_gets_it_next_round(
    db: Database,
) -> None:
    downgrade(db, "0038")
    assert "doubted" not in _columns(db)
    at = int(FORCED.timestamp() * 1_000_000)
    with db.write() as s:  # a lease forced under 0038's code: the renewal not kept
        s.execute(text(
            "INSERT INTO reminder_handover (kind, cutoff, mark, pushed, updated_at,"
            " endpoint_cutoff) VALUES ('lease', :at, 7, 5, :at, :at)"
        ), {"at": at})  # fmt: skip
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    with db.write() as s:
        kept = s.get(ReminderHandover, "lease")
        assert kept is not None and (kept.mark, kept.pushed, kept.doubted) == (7, 5, None)
        handover.note(s, "lease", FORCED, FORCED + timedelta(minutes=1), doubted=DOUBTED)
    with db.read() as s:
        kept = s.get(ReminderHandover, "lease")
        assert kept is not None
        assert (kept.cutoff, kept.mark, kept.pushed, kept.doubted) == (FORCED, 7, 5, DOUBTED)
    downgrade(db, "0038")
    assert "doubted" not in _columns(db)
    with db.read() as s:
        assert s.execute(text("SELECT kind, mark FROM reminder_handover")).all() == [("lease", 7)]
    migrate.upgrade(db)
