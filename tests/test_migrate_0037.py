"""Migration 0037 (issue #14): ``reminder_handover.endpoint_cutoff``, a lease's takeover
cutoff as the endpoint said it. A handover kept before it has none (NULL): it is read as
before (its cutoff on this PC's clock moved by the round's skew), and the next round
that says the same cutoff keeps the endpoint's without making it a new handover; the
downgrade drops the column and keeps the rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factories import downgrade
from sqlalchemy import text

from receptionist.models import ReminderHandover, ReminderHandoverLate
from receptionist.reminders import handover
from receptionist.store import migrate
from receptionist.store.storage import Database

AT = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)
SKEW = timedelta(minutes=6)  # the endpoint's time less this PC's


def _columns(db: Database) -> set[str]:
    with db.read() as s:
        rows = s.execute(text("PRAGMA table_info(reminder_handover)")).all()
        return {str(row[1]) for row in rows}


def test_0037_adds_the_endpoint_s_cutoff_and_an_old_handover_stays_the_same(
    db: Database,
) -> None:
    downgrade(db, "0036")
    assert "endpoint_cutoff" not in _columns(db)
    with db.write() as s:  # a lease taken over by 0036's code: its cutoff on this PC's clock
        s.execute(text(
            "INSERT INTO reminder_handover (kind, cutoff, mark, pushed, updated_at)"
            " VALUES ('lease', :cutoff, 7, 5, :cutoff)"
        ), {"cutoff": int((AT - SKEW).timestamp() * 1_000_000)})  # fmt: skip
        s.add(ReminderHandoverLate(kind="lease", appointment_id="x", inserted=True))
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    with db.write() as s:
        kept = s.get(ReminderHandover, "lease")
        assert kept is not None
        assert (kept.cutoff, kept.mark, kept.pushed, kept.endpoint_cutoff) == (
            AT - SKEW, 7, 5, None,
        )  # fmt: skip
        handover.note(s, "lease", AT, AT - SKEW + timedelta(minutes=1), SKEW)
    with db.read() as s:
        kept = s.get(ReminderHandover, "lease")
        assert kept is not None
        assert (kept.cutoff, kept.mark, kept.pushed, kept.endpoint_cutoff) == (
            AT - SKEW, 7, 5, AT,
        ), "the same handover: the endpoint's cutoff kept from then on"  # fmt: skip
        assert s.query(ReminderHandoverLate).count() == 1
    downgrade(db, "0036")
    assert "endpoint_cutoff" not in _columns(db)
    with db.read() as s:
        assert s.execute(text("SELECT kind, mark FROM reminder_handover")).all() == [("lease", 7)]
    migrate.upgrade(db)
