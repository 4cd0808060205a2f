"""A row deleted outright on a PC (a retention sweep: no tombstone kept) still reaches
the endpoint as a tombstone the endpoint can check: an appointment's carries the
routing fields it had (provider, room, service, times, status, override), which the
endpoint refuses an appointment without. Through a real endpoint (SQLite and
PostgreSQL), each PC its own encrypted file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from faultkit import Pc, catalogue
from sqlalchemy import create_engine, select, text

from receptionist.clock import FixedClock
from receptionist.models import Appointment, Patient, SyncGone
from receptionist.ops import replica, retention
from receptionist.ops.patients import find
from receptionist.schedule import booking
from sync import cloud

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@pytest.fixture
def pcs(two_pcs: list[Pc]) -> list[Pc]:
    """Two PCs joined through the endpoint (a copy: tests/sync/pairkit.py)."""
    return two_pcs


def _endpoint_row(database_url: str, row_id: str) -> dict[str, object]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT deleted, provider_id, service_id, room_id, start_at, end_at, status,"
                     " override, clear FROM record WHERE entity = 'appointment' AND id = :id"),
                {"id": row_id},
            ).one()  # fmt: skip
    finally:
        engine.dispose()
    return dict(row._mapping)


def test_an_appointment_swept_by_retention_reaches_the_endpoint_with_its_routing_fields(
    pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    a, b = pcs
    doctor, service = catalogue(a)
    omar = find(a.db, a.admin(), "omar")[0].id
    with a.db.write() as s:
        booked = booking.book(s, a.admin(), patient_id=omar, provider_id=doctor,
                              service_id=service, start=TUE_10).id  # fmt: skip
    cloud.sync_once(a.db, clock)
    cloud.sync_once(b.db, clock)
    clock.advance(days=1100)  # past the policy's 24 months after Omar's visit

    swept = retention.sweep(a.db, a.admin(), a.root)
    assert swept.counts["appointment"] == 1
    with a.db.read() as s:
        assert s.get(Appointment, booked) is None, "deleted outright: no tombstone here"
        assert s.get(SyncGone, ("appointment", booked)) is not None

    cloud.sync_once(a.db, clock)  # refused whole (400) when the tombstone had no fields

    assert replica.status(a.db).waiting == 0
    seen = _endpoint_row(database_url, booked)
    assert seen["deleted"]
    assert (seen["provider_id"], seen["service_id"], seen["room_id"]) == (doctor, service, None)
    assert seen["start_at"] is not None and seen["end_at"] is not None
    assert seen["status"] == "booked" and not seen["override"]
    clear = json.loads(str(seen["clear"]))
    assert datetime.fromisoformat(clear["start_utc"]) == TUE_10
    assert datetime.fromisoformat(clear["end_utc"]) > TUE_10
    with a.db.read() as s:
        assert s.scalars(select(SyncGone)).all() == [], "kept only until staged"
    cloud.sync_once(b.db, clock)
    with b.db.read() as s:
        assert s.get(Appointment, booked) is None, "gone from B too"
        assert s.get(Patient, omar) is None
