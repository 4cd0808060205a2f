from __future__ import annotations

from sqlalchemy import select, text

from receptionist import audit
from receptionist.context import Actor, Ctx
from receptionist.models import AuditEvent


def _fill(db, ctx: Ctx, n: int = 5) -> None:
    with db.write() as s:
        for i in range(n):
            audit.record(s, ctx, "update", "patient", f"id-{i}")
            ctx.clock.advance(seconds=1)  # type: ignore[attr-defined]


def test_chain_verifies(db, ctx) -> None:
    _fill(db, ctx)
    with db.read() as s:
        result = audit.verify(s)
    assert result.ok and result.events == 5


def test_edited_event_detected(db, ctx) -> None:
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text("UPDATE audit_event SET action = 'read' WHERE seq = 3"))
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_seq == 3


def test_deleted_event_detected(db, ctx) -> None:
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_seq == 3


def test_rewritten_actor_detected(db, ctx) -> None:
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text("UPDATE audit_event SET actor_id = 'someone-else' WHERE seq = 4"))
    with db.read() as s:
        assert audit.verify(s).first_bad_seq == 4


def test_events_carry_actor_and_source(db, clock) -> None:
    ctx = Ctx(Actor("user-1", "receptionist", "ui"), clock)
    at = clock.now()
    _fill(db, ctx, 1)
    with db.read() as s:
        ev = s.scalars(select(AuditEvent)).one()
    assert (ev.actor_id, ev.source, ev.entity_type) == ("user-1", "ui", "patient")
    assert ev.at == at
