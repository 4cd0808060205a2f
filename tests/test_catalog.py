from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import func, select

from receptionist.context import Ctx
from receptionist.errors import Ambiguous, NotFound, PermissionDenied, ValidationError
from receptionist.journal import audit
from receptionist.models import AuditEvent, ClinicSetting, Provider, Room, Service, setting_id
from receptionist.schedule import agenda, blocked, catalog, clinic
from receptionist.store.storage import Database

HOURS = {"mon": [["09:00", "17:00"]], "tue": [["13:00", "18:00"], ["08:30", "12:00"]]}
T0 = datetime(2026, 3, 2, 6, tzinfo=UTC)


def setup_clinic(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        make_clinic(s, ctx, name="Moda Dental", region="tr")


def test_clinic_settings(db: Database, ctx: Ctx) -> None:
    with db.read() as s, pytest.raises(NotFound, match="not been set up"):
        clinic.get_clinic(s)
    setup_clinic(db, ctx)
    with db.write() as s:
        row = clinic.get_clinic(s)
        assert (row.phone_region, row.slot_minutes, row.opening_hours) == ("TR", 15, {})
        slot_row = s.get(ClinicSetting, setting_id("schedule.slot_minutes"))
        assert slot_row is not None and slot_row.created_at == ctx.clock.now()
        with pytest.raises(ValidationError, match="already holds a clinic"):
            clinic.create_clinic(s, ctx, name="Two", timezone="UTC", phone_region="TR")
        clinic.update_clinic(s, ctx, slot_minutes=10, opening_hours={"sat": [["10:00", "14:00"]]})
        row = clinic.get_clinic(s)
        assert slot_row.version == 2 and row.opening_hours["sat"] == [["10:00", "14:00"]]
        assert row.opening_hours["mon"] == []
        clinic.update_clinic(s, ctx, slot_minutes=10)  # no change: no new version
        assert slot_row.version == 2
        assert row.wait_alert_minutes == 15  # the default
        clinic.update_clinic(s, ctx, wait_alert_minutes=25)
        assert agenda.clinic_info(s).wait_alert_minutes == 25


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"slot_minutes": 7}, "slot_minutes"),
        ({"slot_minutes": 0}, "slot_minutes"),
        ({"phone_region": "TUR"}, "phone_region"),
        ({"name": "  "}, "name"),
        ({"opening_hours": {"mon": [["18:00", "09:00"]]}}, "opening_hours"),
        ({"colour": "#fff"}, "colour"),
        ({"wait_alert_minutes": 0}, "wait_alert_minutes"),
        ({"wait_alert_minutes": "20"}, "wait_alert_minutes"),
    ],
)
def test_clinic_rejects(db: Database, ctx: Ctx, changes: dict[str, object], field: str) -> None:
    setup_clinic(db, ctx)
    with db.write() as s, pytest.raises(ValidationError) as err:
        clinic.update_clinic(s, ctx, **changes)
    assert err.value.field == field


def test_providers_find_and_list(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        ayse = catalog.create_provider(s, ctx, name="Dr Ayşe Demir", working_hours=HOURS)
        catalog.create_provider(s, ctx, name="Dr Ayhan Kaya")
        mehmet = catalog.create_provider(s, ctx, name="Dr Mehmet Öz", colour="#AABBCC")
        assert ayse.working_hours["tue"][0] == ["08:30", "12:00"]
        assert mehmet.colour == "#aabbcc"
    with db.write() as s:
        assert catalog.find(s, Provider, ayse.id).id == ayse.id
        assert catalog.find(s, Provider, "dr ayşe demir").id == ayse.id
        assert catalog.find(s, Provider, "MEHMET").id == mehmet.id
        with pytest.raises(Ambiguous, match="matches 3 providers"):
            catalog.find(s, Provider, "Dr")
        with pytest.raises(NotFound, match="No provider is called 'Dr Who'"):
            catalog.find(s, Provider, "Dr Who")
        catalog.update_provider(s, ctx, mehmet.id, active=False)
        names = [p.name for p in catalog.listing(s, Provider)]
        assert names == ["Dr Ayhan Kaya", "Dr Ayşe Demir"]
        assert len(catalog.listing(s, Provider, include_inactive=True)) == 3


def test_exact_name_beats_partial_and_active_beats_inactive(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        room = catalog.create_room(s, ctx, name="Room 1")
        catalog.create_room(s, ctx, name="Room 10")
        old = catalog.create_room(s, ctx, name="X-ray")
        with pytest.raises(ValidationError, match="already called"):
            catalog.create_room(s, ctx, name="x-ray")
        catalog.update_room(s, ctx, old.id, active=False)
        new = catalog.create_room(s, ctx, name="x-ray")
        assert catalog.find(s, Room, "room 1").id == room.id
        assert catalog.find(s, Room, "X-RAY").id == new.id


def test_provider_update_is_audited(db: Database, ctx: Ctx) -> None:
    with db.write() as s:
        provider = catalog.create_provider(s, ctx, name="Dr Kaya")
        ctx.clock.advance(minutes=5)  # type: ignore[attr-defined]
        catalog.update_provider(s, ctx, provider.id, working_hours=HOURS, name="Dr Ali Kaya")
        assert provider.version == 2 and provider.updated_at == T0 + timedelta(hours=1, minutes=5)
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions == ["create", "update"]
        assert audit.verify(s).ok
        with pytest.raises(ValidationError, match="not a setting"):
            catalog.update_provider(s, ctx, provider.id, timezone="UTC")
        with pytest.raises(NotFound, match="no provider with that id"):
            catalog.update_provider(s, ctx, "missing", name="X")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 12 * 60 + 1}, "duration_minutes"),
        ({"buffer_after_minutes": 241}, "buffer_after_minutes"),
        ({"buffer_before_minutes": -1}, "buffer_before_minutes"),
        ({"currency": "lira"}, "currency"),
        ({"price_minor": -5}, "price_minor"),
        ({"duration_minutes": True}, "duration_minutes"),
        ({"category": "x\x00y"}, "category"),
    ],
)
def test_service_rules(db: Database, ctx: Ctx, changes: dict[str, object], field: str) -> None:
    with db.write() as s:
        service = catalog.create_service(
            s, ctx, name="Cleaning", duration_minutes=30, currency="eur", buffer_after_minutes=10
        )
        assert service.currency == "EUR"
        with pytest.raises(ValidationError) as err:
            catalog.update_service(s, ctx, service.id, **changes)
        assert err.value.field == field
        assert catalog.find(s, Service, "clean").id == service.id


def test_receptionist_cannot_configure(db: Database, ctx: Ctx) -> None:
    desk = actor_ctx("receptionist", ctx.clock, "u-1")
    with db.write() as s:
        for call in (
            lambda: catalog.create_provider(s, desk, name="Dr X"),
            lambda: catalog.create_room(s, desk, name="R"),
            lambda: catalog.create_service(s, desk, name="S", duration_minutes=10),
            lambda: clinic.create_clinic(s, desk, name="C", timezone="UTC", phone_region="TR"),
            lambda: blocked.add_blocked_time(s, desk, start=T0, end=T0 + timedelta(hours=1)),
        ):
            with pytest.raises(PermissionDenied, match="manager or an administrator"):
                call()
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_blocked_time(db: Database, ctx: Ctx) -> None:
    end = T0 + timedelta(hours=2)
    with db.write() as s:
        p1 = catalog.create_provider(s, ctx, name="Dr A")
        p2 = catalog.create_provider(s, ctx, name="Dr B")
        room = catalog.create_room(s, ctx, name="Room 1")
        holiday = blocked.add_blocked_time(s, ctx, start=T0, end=end, reason="Holiday")
        off = blocked.add_blocked_time(
            s, ctx, start=T0, end=end, provider_id=p1.id, kind="time_off"
        )
        blocked.add_blocked_time(s, ctx, start=T0, end=end, room_id=room.id)
        found = blocked.list_blocked_time(s, T0, end, provider_ids=[p1.id])
        assert {b.id for b in found} == {holiday.id, off.id}
        assert [b.id for b in blocked.list_blocked_time(s, T0, end, provider_ids=[p2.id])] == [
            holiday.id
        ]
        assert len(blocked.list_blocked_time(s, T0, end, everything=True)) == 3
        assert blocked.list_blocked_time(s, end, end + timedelta(hours=1), everything=True) == []
        blocked.remove_blocked_time(s, ctx, holiday.id)
        assert [b.id for b in blocked.list_blocked_time(s, T0, end, provider_ids=[p1.id])] == [
            off.id
        ]
        with pytest.raises(NotFound):
            blocked.remove_blocked_time(s, ctx, holiday.id)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end": T0}, "end"),
        ({"end": datetime(2026, 3, 2, 9)}, "end"),
        ({"kind": "time_off"}, "provider"),
        ({"kind": "holiday"}, "kind"),
        ({"reason": "x" * 1001}, "reason"),
    ],
)
def test_blocked_time_rejects(
    db: Database, ctx: Ctx, kwargs: dict[str, object], field: str
) -> None:
    args: dict[str, object] = {"start": T0, "end": T0 + timedelta(hours=1), **kwargs}
    with db.write() as s, pytest.raises(ValidationError) as err:
        blocked.add_blocked_time(s, ctx, **args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_blocked_time_for_unknown_provider(db: Database, ctx: Ctx) -> None:
    with db.write() as s, pytest.raises(NotFound, match="no provider"):
        blocked.add_blocked_time(s, ctx, start=T0, end=T0 + timedelta(hours=1), provider_id="x")
