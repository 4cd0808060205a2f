"""A PC whose pending batch already held an appointment's tombstone with no routing
fields (staged before tombstones carried them, issue #13) was refused whole (400) by
the endpoint every round, and never synced again. It recovers: the PC fills the
fields from what it still knows (the row's base); with nothing known, the endpoint
takes them from its own copy of the row; a tombstone of a row the endpoint never had
is acknowledged and dropped. Two PCs, each its own encrypted file, a real endpoint on
loopback (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from faultkit import Pc, catalogue
from sqlalchemy import create_engine, delete, select, text

from receptionist.clock import FixedClock
from receptionist.models import Appointment, SyncBase, SyncGone, SyncPending
from receptionist.ops import replica, retention
from receptionist.ops.patients import find
from receptionist.schedule import booking
from sync import cloud

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@pytest.fixture
def pcs(two_pcs: list[Pc]) -> list[Pc]:
    """Two PCs joined through the endpoint (a copy: tests/sync/pairkit.py)."""
    return two_pcs


def _endpoint_row(database_url: str, row_id: str) -> dict[str, object] | None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT deleted, provider_id, service_id, start_at, status, clear"
                     " FROM record WHERE entity = 'appointment' AND id = :id"),
                {"id": row_id},
            ).one_or_none()  # fmt: skip
    finally:
        engine.dispose()
    return None if row is None else dict(row._mapping)


def _book(pc: Pc) -> str:
    doctor, service = catalogue(pc)
    omar = find(pc.db, pc.admin(), "omar")[0].id
    with pc.db.write() as s:
        return booking.book(s, pc.admin(), patient_id=omar, provider_id=doctor,
                            service_id=service, start=TUE_10).id  # fmt: skip


def _stuck(pc: Pc, clock: FixedClock, booked: str, *, forget_base: bool) -> None:
    """The state of a PC before tombstones carried routing: the booking swept by
    retention and its tombstone staged in the pending batch with ``clear: {}``, nothing
    of its routing kept. The sweep drops the row's base too; without ``forget_base``
    the base stays, as for a row deleted outright some other way."""
    with pc.db.read() as s:
        base = s.get(SyncBase, ("appointment", booked))
        kept = None if base is None else (base.version, base.payload)
    clock.advance(days=1100)  # past the policy's 24 months after Omar's visit
    assert retention.sweep(pc.db, pc.admin(), pc.root).counts["appointment"] == 1
    assert booked in [c.record.id for c in replica.batch(pc.db) if c.record.deleted]
    with pc.db.write() as s:
        if kept is not None and not forget_base:
            s.add(SyncBase(entity="appointment", row_id=booked, version=kept[0], payload=kept[1]))
        staged = s.scalars(select(SyncPending).where(SyncPending.row_id == booked)).one()
        record = json.loads(staged.record)
        record["clear"] = {}
        staged.record = json.dumps(record)
        s.execute(delete(SyncGone))


@pytest.mark.parametrize("forget_base", [False, True], ids=["base-kept", "nothing-known"])
def test_a_pc_stuck_with_a_routing_less_tombstone_recovers(
    pcs: list[Pc], database_url: str, clock: FixedClock, forget_base: bool
) -> None:
    a, b = pcs
    booked = _book(a)
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    _stuck(a, clock, booked, forget_base=forget_base)
    staged = {c.record.id: c.record for c in replica.batch(a.db)}[booked]
    # The PC fills in what it knows (the row's base); with nothing known it sends the
    # tombstone as it is, and the endpoint takes the fields from its own copy.
    assert bool(staged.clear) is not forget_base
    if staged.clear:
        assert datetime.fromisoformat(staged.clear["start_utc"]) == TUE_10

    cloud.sync_once(a.db, clock)  # refused whole (400) every round, before

    assert replica.status(a.db).waiting == 0, "the batch went through"
    seen = _endpoint_row(database_url, booked)
    assert seen is not None and seen["deleted"]
    assert seen["service_id"] is not None and seen["status"] == "booked"
    assert set(json.loads(str(seen["clear"]))) >= {"provider_id", "start_utc", "end_utc"}
    with a.db.read() as s:
        assert s.scalars(select(SyncPending)).all() == []
    cloud.sync_once(b.db, clock)
    with b.db.read() as s:
        assert s.get(Appointment, booked) is None, "gone from B too"
    cloud.sync_once(a.db, clock)  # and the next rounds go on
    assert replica.status(a.db).waiting == 0


def test_a_routing_less_tombstone_of_a_row_the_endpoint_never_had_is_dropped(
    pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    a, b = pcs
    booked = _book(a)  # never pushed: swept before any round
    _stuck(a, clock, booked, forget_base=True)

    cloud.sync_once(a.db, clock)  # refused whole (400) every round, before

    assert replica.status(a.db).waiting == 0, "acknowledged"
    assert _endpoint_row(database_url, booked) is None, "and dropped: nothing to free"
    cloud.sync_once(b.db, clock)
    with b.db.read() as s:
        assert s.get(Appointment, booked) is None
