"""A booking the endpoint refused as a double booking is on every PC, and the endpoint
holds nothing of it: the PC that settles it (moving it to a free time) pushes it as
a new row, and the move reaches the endpoint and every PC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from faultkit import (
    Pc,
    audit_intact,
    catalogue,
    replica_of,
    server_versions,
    settle,
)
from serverkit import Endpoint
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.models import Appointment, SyncConflict
from receptionist.ops.patients import find
from receptionist.schedule import booking
from sync import cloud

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)  # 10:00 in Istanbul


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_booking_moved_to_a_free_time_reaches_everyone(
    endpoint: Endpoint, two_pcs: list[Pc], database_url: str, tmp_path: Path,
    clock: FixedClock,
) -> None:  # fmt: skip
    a, b = two_pcs
    doctor, service = catalogue(a)
    booked = {}
    for pc, name in ((a, "ayse"), (b, "omar")):  # both offline, one doctor, one time
        patient = find(pc.db, pc.admin(), name)[0].id
        with pc.db.write() as s:
            booked[name] = booking.book(
                s, pc.admin(), patient_id=patient, provider_id=doctor,
                service_id=service, start=TUE_10,
            ).id  # fmt: skip
    cloud.sync_once(a.db, clock)
    assert cloud.sync_once(b.db, clock).conflicts  # refused: Omar's booking
    with b.db.write() as s:  # FRONT-2 settles it: Omar comes an hour later
        booking.reschedule(s, b.admin(), booked["omar"], start=TUE_10 + timedelta(hours=1))
    settle(a, b)

    for pc in (a, b):
        with pc.db.read() as s:
            omar = s.get(Appointment, booked["omar"])
            assert omar is not None and omar.start_utc == TUE_10 + timedelta(hours=1)
            assert len(s.scalars(select(SyncConflict)).all()) == 1
    assert ("appointment", booked["omar"]) in server_versions(database_url)
    assert replica_of(a.db) == replica_of(b.db)
    audit_intact(a, b)
