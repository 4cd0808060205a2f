"""A PC older than a kind of record (issue #14: ``patient_hold``, migration 0020) in a
clinic where an updated PC holds a patient. B plays the older PC: this version's
decoding without the table, the path an older PC's takes for it. Through a real
endpoint, each PC its own encrypted file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from faultkit import Pc, catalogue
from sqlalchemy import select

from receptionist.models import Appointment, RetentionHold
from receptionist.ops import replica, retention
from receptionist.ops.patients import find
from receptionist.replica import records
from receptionist.replica.seal import Tampered
from receptionist.schedule import booking
from sync import cloud

TUE_10 = datetime(2026, 12, 8, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_older_pc_still_pushes_pulls_nothing_past_a_hold_and_catches_up_once_updated(
    two_pcs: list[Pc], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A holds Ayşe and syncs. B, older, books Omar and syncs: its booking reaches the
    endpoint (a round pushes before it pulls), then the pull stops at the hold, told
    as a newer version's record, every round; A's booking made after the hold never
    reaches B. Updated, B's next round applies the hold and all after it."""
    a, b = two_pcs
    doctor, service = catalogue(a)
    ayse, omar = (find(a.db, a.admin(), name)[0].id for name in ("ayşe", "omar"))
    retention.hold(a.db, a.admin(), ayse, "Court case 2026/114")
    with a.db.write() as s:
        theirs = booking.book(s, a.admin(), patient_id=ayse, provider_id=doctor,
                              service_id=service, start=TUE_10).id  # fmt: skip
    cloud.sync_once(a.db, a.ctx.clock)
    known = records._models()
    monkeypatch.setattr(records, "_models", lambda: {
        e: m for e, m in known.items() if e != RetentionHold.__tablename__})  # fmt: skip
    with b.db.write() as s:
        mine = booking.book(s, b.admin(), patient_id=omar, provider_id=doctor,
                            service_id=service, start=TUE_10.replace(hour=9)).id  # fmt: skip
    cursor = replica.cursor(b.db)
    for _ in range(2):
        with pytest.raises(Tampered, match=r"patient_hold record .* newer version"):
            cloud.sync_once(b.db, b.ctx.clock)
        assert replica.cursor(b.db) == cursor
    assert replica.status(b.db).waiting == 0, "B's booking went"
    cloud.sync_once(a.db, a.ctx.clock)
    with a.db.read() as s:
        assert s.get(Appointment, mine) is not None
    with b.db.read() as s:
        assert s.get(Appointment, theirs) is None

    monkeypatch.undo()  # B updated
    cloud.sync_once(b.db, b.ctx.clock)
    with b.db.read() as s:
        assert s.get(Appointment, theirs) is not None
        held = s.scalars(select(RetentionHold.patient_id)).all()
    assert held == [ayse]
