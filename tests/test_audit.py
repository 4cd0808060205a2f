from __future__ import annotations

import pytest
from factories import actor_ctx
from sqlalchemy import select, text

from receptionist import audit
from receptionist.context import Ctx
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


@pytest.mark.parametrize(
    ("tampering", "first_bad"),
    [
        pytest.param("UPDATE audit_event SET action = 'read' WHERE seq = 3", 3, id="edited"),
        pytest.param("DELETE FROM audit_event WHERE seq = 2", 3, id="deleted"),
    ],
)
def test_tampered_event_detected(db, ctx, tampering: str, first_bad: int) -> None:
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text(tampering))
    with db.read() as s:
        result = audit.verify(s)
    assert not result.ok and result.first_bad_seq == first_bad


def test_rewritten_actor_detected(db, ctx) -> None:
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text("UPDATE audit_event SET actor_id = 'someone-else' WHERE seq = 4"))
    with db.read() as s:
        assert audit.verify(s).first_bad_seq == 4


def test_events_carry_actor_and_source(db, clock) -> None:
    ctx = actor_ctx("receptionist", clock, "user-1")
    at = clock.now()
    _fill(db, ctx, 1)
    with db.read() as s:
        ev = s.scalars(select(AuditEvent)).one()
    assert (ev.actor_id, ev.source, ev.entity_type) == ("user-1", "ui", "patient")
    assert ev.at == at
