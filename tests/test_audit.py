from __future__ import annotations

import pytest
from factories import actor_ctx
from sqlalchemy import select, text

from receptionist.context import Ctx
from receptionist.journal import audit
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
        pytest.param("DELETE FROM audit_event WHERE seq >= 4", 4, id="last-two-deleted"),
        pytest.param("DELETE FROM audit_event WHERE seq = 5", 5, id="last-deleted"),
        pytest.param("DELETE FROM audit_event", 1, id="all-deleted"),
        pytest.param("DELETE FROM audit_head", 5, id="head-deleted"),
        pytest.param("UPDATE audit_head SET hash = 'x'", 5, id="head-edited"),
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


def test_the_end_of_the_log_is_told_apart(db, ctx) -> None:
    """What verify says when the log stops short, in words (``audit verify`` prints it)."""
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    with db.read() as s:
        result = audit.verify(s)
    assert (result.events, result.problem) == (3, "events 4-5 are missing from the end")


def test_the_next_event_does_not_paper_over_a_cut(db, ctx) -> None:
    """After events are deleted from the end, the next event (a sign-in, an opened
    record: seconds later) goes on from the head, so the gap stays visible."""
    _fill(db, ctx)
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    with db.write() as s:
        assert audit.record(s, ctx, "read", "patient", "p").seq == 6
    with db.read() as s:
        result = audit.verify(s)
    assert (result.ok, result.problem) == (False, "event 4 is missing")


def test_the_head_follows_every_writer(db, ctx) -> None:
    """The head is kept by a trigger, so an event written by raw SQL (sync, the
    generators) moves it as well as one written through the ORM."""
    _fill(db, ctx, n=2)
    with db.write() as s:
        s.execute(
            text(
                "INSERT INTO audit_event (seq, at, actor_id, source, action, entity_type,"
                " entity_id, prev_hash, hash) VALUES (3, 0, NULL, 'sync', 'x', 'y', NULL,"
                " 'p', 'h3')"
            )
        )
        assert s.execute(text("SELECT seq, hash FROM audit_head")).one() == (3, "h3")
        assert s.execute(text("SELECT count(*) FROM audit_head")).scalar() == 1


def test_an_older_file_gets_its_head_from_its_log(db, ctx) -> None:
    """Migration 0010 fills the head from the newest event already on file."""
    from factories import downgrade

    from receptionist.store import migrate

    _fill(db, ctx)
    downgrade(db, "0009")
    with db.read() as s:
        names = s.execute(text("SELECT name FROM sqlite_master")).scalars().all()
    assert "audit_head" not in names
    migrate.upgrade(db)
    with db.read() as s:
        assert audit.verify(s).ok
        assert s.execute(text("SELECT seq FROM audit_head")).scalar() == 5
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = 5"))
    with db.read() as s:
        assert audit.verify(s).problem == "event 5 is missing from the end"
