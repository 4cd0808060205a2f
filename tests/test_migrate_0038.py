"""Migration 0038 (issue #14): which channels are stopped is read from an index of
the messages that have a reason, not by a pass over the whole queue. Each dispatch
round asks once and each due message asks for its channel; with 16,000 queued
messages a pass took some 15 ms a question. The upgrade from 0037 adds
``ix_reminder_stopped``; the plans of ``halt``'s reads say SEARCH with it, SCAN
without; and the reads find the same stopped channel either way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from factories import downgrade
from sqlalchemy import event, text

from receptionist.models import Reminder
from receptionist.reminders import halt
from receptionist.store import migrate
from receptionist.store.storage import Database

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _index(db: Database) -> bool:
    with db.read() as s:
        found = s.execute(
            text("SELECT 1 FROM sqlite_master WHERE name = 'ix_reminder_stopped'")
        ).first()
        return found is not None


def _queue(db: Database) -> None:
    """Planned messages, one sent, one waiting on a stopped SMS channel."""
    with db.write() as s:
        for n in range(40):
            s.add(_reminder(n, "pending", "email", ""))
        s.add(_reminder(40, "sent", "email", ""))
        s.add(_reminder(41, "pending", "sms", halt.REASONS[0]))


def _reminder(n: int, state: str, channel: str, reason: str) -> Reminder:
    return Reminder(
        appointment_id=f"a{n}", patient_id="p", rule="24h", kind="reminder",
        scheduled_for=AT, send_at=AT, appointment_start=AT, channel=channel,
        state=state, reason=reason, created_at=AT, updated_at=AT,
    )  # fmt: skip


def _plans(db: Database) -> tuple[list[str], str]:
    """``halt.kinds`` and ``halt.cause``'s answers' plans, and what they found."""
    asked: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        asked.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.read() as s:
            found = halt.causes(s)
            assert halt.cause(s, "sms") == halt.REASONS[0]
            assert halt.cause(s, "email") is None
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    plans = []
    with db.read() as s:
        conn = s.connection()
        for statement, params in asked[-3:]:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            plans.append(" | ".join(str(r[-1]) for r in rows))
    assert found == {"sms": halt.REASONS[0]}
    return plans, str(found)


def test_0038_adds_the_index_and_the_stopped_channels_are_searched(db: Database) -> None:
    _queue(db)
    assert _index(db)
    for plan in _plans(db)[0]:
        assert "INDEX ix_reminder_stopped" in plan and plan.startswith("SEARCH"), plan
        assert "SCAN reminder" not in plan, plan
    downgrade(db, "0037")
    db.engine.dispose()  # connections that planned with the index forget it
    assert not _index(db)
    for plan in _plans(db)[0]:
        assert "ix_reminder_stopped" not in plan, plan
    migrate.upgrade(db)
    db.engine.dispose()
    assert migrate.current_revision(db) == migrate.head_revision()
    assert _index(db)
    assert all("INDEX ix_reminder_stopped" in plan for plan in _plans(db)[0])
