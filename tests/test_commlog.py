"""The communication log: entries checked, audited by id only, listed newest first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import actor_ctx, add_clinic, make_patients
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.models import Appointment, AuditEvent, CommunicationEntry
from receptionist.patients import commlog
from receptionist.store.storage import Database


@pytest.fixture
def pid(db: Database, ctx: Ctx) -> str:
    with db.write() as s:
        add_clinic(s, ctx.clock.now())
        make_patients(s, ctx.clock.now(), (1, 2))
    return "p1"


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(CommunicationEntry)) or 0)


def test_add_and_list_newest_first(db: Database, ctx: Ctx, clock: FixedClock, pid: str) -> None:
    now = clock.now()
    with db.write() as s:
        first = commlog.add(s, ctx, pid, channel="phone", direction="in",
                            summary="  Asked to move Friday  ")  # fmt: skip
        older = commlog.add(s, ctx, pid, channel="letter", direction="out", summary="Recall",
                            occurred_at=now - timedelta(days=3))  # fmt: skip
        commlog.add(s, ctx, "p2", channel="sms", direction="out", summary="Other patient")
    clock.advance(minutes=2)
    with db.write() as s:
        latest = commlog.add(s, ctx, pid, channel="whatsapp", direction="out", summary="Sent map")
    with db.read() as s:
        found = commlog.list_entries(s, ctx, pid)
    assert [e.id for e in found] == [latest.id, first.id, older.id]
    assert found[1].summary == "Asked to move Friday" and found[1].occurred_at == now
    assert found[2].occurred_at == now - timedelta(days=3)
    assert (found[0].channel, found[0].direction) == ("whatsapp", "out")


def test_list_limit(db: Database, ctx: Ctx, pid: str) -> None:
    with db.write() as s:
        for i in range(5):
            commlog.add(s, ctx, pid, channel="phone", direction="in", summary=f"call {i}",
                        occurred_at=ctx.clock.now() - timedelta(hours=i))  # fmt: skip
    with db.read() as s:
        found = commlog.list_entries(s, ctx, pid, limit=2)
    assert [e.summary for e in found] == ["call 0", "call 1"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"channel": None}, "channel"),
        ({"direction": "sideways"}, "direction"),
        ({"summary": "   "}, "summary"),
        ({"summary": "a\x00b"}, "summary"),
        ({"summary": "x" * (commlog.MAX_SUMMARY_CHARS + 1)}, "summary"),
        ({"occurred_at": datetime(2026, 3, 2, 10, 0)}, "occurred_at"),  # naive
        ({"occurred_at": datetime(2026, 3, 3, 7, 0, tzinfo=UTC)}, "occurred_at"),  # future
        ({"appointment_id": "a-other"}, "appointment_id"),
    ],
)
def test_bad_input_writes_nothing(
    db: Database, ctx: Ctx, pid: str, fields: dict[str, object], field: str
) -> None:
    _other_patients_appointment(db, ctx)
    args: dict[str, object] = {"channel": "phone", "direction": "in", "summary": "Called"}
    args.update(fields)
    with pytest.raises(ValidationError) as refused, db.write() as s:
        commlog.add(s, ctx, pid, **args)  # type: ignore[arg-type]
    assert refused.value.field == field and str(refused.value).endswith(".")
    assert _count(db) == 0


def _other_patients_appointment(db: Database, ctx: Ctx) -> None:
    from receptionist.models import Provider, Service

    now = ctx.clock.now()
    stamp = {"created_at": now, "updated_at": now}
    with db.write() as s:
        if s.get(Appointment, "a-other") is not None:
            return
        prov = Provider(id="dr", name="Dr", colour="#336699", **stamp)
        svc = Service(id="sv", name="Check", duration_minutes=30, **stamp)
        s.add_all([prov, svc])
        s.flush()
        s.add(Appointment(id="a-other", patient_id="p2", provider_id="dr", service_id="sv",
                          start_utc=now, end_utc=now + timedelta(minutes=30), **stamp))  # fmt: skip


def test_tied_to_an_appointment_of_the_patient(db: Database, ctx: Ctx, pid: str) -> None:
    _other_patients_appointment(db, ctx)
    with db.write() as s:
        entry = commlog.add(s, ctx, "p2", channel="sms", direction="out", summary="Reminder",
                            appointment_id="a-other")  # fmt: skip
    assert entry.appointment_id == "a-other"
    with pytest.raises(NotFound), db.write() as s:
        commlog.add(s, ctx, pid, channel="sms", direction="out", summary="x", appointment_id="no")


def test_audited_by_id_only(db: Database, ctx: Ctx, clock: FixedClock, pid: str) -> None:
    user = actor_ctx("receptionist", clock, user_id="u7")
    with db.write() as s:
        entry = commlog.add(s, user, pid, channel="phone", direction="in",
                            summary="Zqxwvy asked about results")  # fmt: skip
    with db.read() as s:
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        assert (event.action, event.entity_type, event.entity_id, event.actor_id) == (
            "create", "communication_entry", entry.id, "u7")  # fmt: skip
        row = s.get(CommunicationEntry, entry.id)
        assert row is not None and row.recorded_by == "u7"


def test_permissions(db: Database, ctx: Ctx, clock: FixedClock, pid: str) -> None:
    provider = actor_ctx("provider", clock, user_id="u9")
    with pytest.raises(PermissionDenied), db.write() as s:
        commlog.add(s, provider, pid, channel="phone", direction="in", summary="Called")
    assert _count(db) == 0
    with db.read() as s:
        assert commlog.list_entries(s, provider, pid) == []
    with pytest.raises(PermissionDenied), db.read() as s:
        commlog.list_entries(s, actor_ctx("visitor", clock), pid)


def test_unknown_patient(db: Database, ctx: Ctx, pid: str) -> None:
    with pytest.raises(NotFound), db.write() as s:
        commlog.add(s, ctx, "nobody", channel="phone", direction="in", summary="Called")
