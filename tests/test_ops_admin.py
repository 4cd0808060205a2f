"""The catalogue, blocked time and staff accounts through the operations, with no Qt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, UnlockError, ValidationError
from receptionist.models import AuditEvent, BlockedTime, Provider
from receptionist.ops import catalog, staff, timeoff
from receptionist.ops.catalog import ProviderRow, ServiceRow
from receptionist.staff import accounts
from receptionist.store.storage import Database


@pytest.fixture
def clinic(db: Database, ctx: Ctx) -> Database:
    with db.write() as s:
        make_clinic(s, ctx)
        accounts.create_user(
            s, ctx, username="admin", password="admin-password", role="admin", bootstrap=True
        )
    return db


def events(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)


# --- the catalogue ---------------------------------------------------------------------


def test_providers_services_and_rooms_added_changed_and_retired(clinic: Database, ctx: Ctx) -> None:
    week = {"mon": [["09:00", "17:00"]]}
    ayse = catalog.add_provider(clinic, ctx, name="Dr Ayşe", working_hours=week)
    assert isinstance(ayse, ProviderRow) and ayse.colour == "#4a90d9" and ayse.active
    ayse = catalog.update_provider(clinic, ctx, ayse.id, colour="#AA0000", name="Dr. Ayşe")
    assert (ayse.name, ayse.colour) == ("Dr. Ayşe", "#aa0000")
    assert ayse.working_hours["mon"] == [["09:00", "17:00"]] and ayse.working_hours["tue"] == []
    cleaning = catalog.add_service(clinic, ctx, name="Cleaning", duration_minutes=45)
    cleaning = catalog.update_service(clinic, ctx, cleaning.id, price_minor=85000, currency="eur")
    assert isinstance(cleaning, ServiceRow)
    assert (cleaning.price_minor, cleaning.currency) == (85000, "EUR")
    assert cleaning.duration_minutes == 45
    room = catalog.add_room(clinic, ctx, name="Room 1")
    assert catalog.deactivate(clinic, ctx, "room", room.id).active is False
    assert [r.name for r in catalog.rooms(clinic, ctx)] == []
    assert [r.name for r in catalog.rooms(clinic, ctx, include_inactive=True)] == ["Room 1"]
    assert catalog.reactivate(clinic, ctx, "room", room.id).active
    assert [c.name for c in catalog.choices(clinic, ctx).rooms] == ["Room 1"]
    spare = catalog.add_room(clinic, ctx, name="Spare", active=False)
    assert not spare.active
    names = [r.name for r in catalog.listing(clinic, ctx, "room", include_inactive=True)]
    assert names == ["Room 1", "Spare"]


def test_a_refused_change_writes_nothing(clinic: Database, ctx: Ctx) -> None:
    catalog.add_provider(clinic, ctx, name="Dr Ayşe")
    omar = catalog.add_provider(clinic, ctx, name="Dr Omar")
    before = events(clinic)
    with pytest.raises(ValidationError) as taken:
        catalog.update_provider(clinic, ctx, omar.id, name="dr ayşe", colour="#000000")
    assert taken.value.field == "name" and "already called" in str(taken.value)
    with pytest.raises(ValidationError) as hours:
        catalog.update_provider(clinic, ctx, omar.id, working_hours={"mon": [["17:00", "09:00"]]})
    assert hours.value.field == "working_hours"
    catalog.add_room(clinic, ctx, name="Spare")
    with pytest.raises(ValidationError):
        catalog.add_room(clinic, ctx, name="  ")
    assert events(clinic) == before + 1  # only "Spare" was made
    assert catalog.providers(clinic, ctx)[1].colour == "#4a90d9"
    with pytest.raises(NotFound):
        catalog.deactivate(clinic, ctx, "provider", "0" * 36)


def test_a_receptionist_may_list_but_not_change_the_catalogue(
    clinic: Database, ctx: Ctx, clock: FixedClock
) -> None:
    room = catalog.add_room(clinic, ctx, name="Room 1")
    desk = actor_ctx("receptionist", clock)
    assert [r.name for r in catalog.rooms(clinic, desk)] == ["Room 1"]
    with pytest.raises(PermissionDenied):
        catalog.deactivate(clinic, desk, "room", room.id)
    with pytest.raises(PermissionDenied):
        catalog.add_service(clinic, desk, name="Whitening", duration_minutes=60)


# --- blocked time ----------------------------------------------------------------------


def test_time_off_in_wall_time_listed_and_removed(clinic: Database, ctx: Ctx) -> None:
    ayse = catalog.add_provider(clinic, ctx, name="Dr Ayşe")
    room = catalog.add_room(clinic, ctx, name="Room 1")
    off = timeoff.add(
        clinic, ctx, start="2026-03-10T09:00", end="2026-03-10T13:00", provider_id=ayse.id,
        reason="Conference",
    )  # fmt: skip
    assert (off.kind, off.provider, off.reason) == ("time_off", "Dr Ayşe", "Conference")
    assert off.start_utc == datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # Istanbul is UTC+3
    shut = timeoff.add(clinic, ctx, start="2026-03-11", end="2026-03-12", room_id=room.id)
    assert (shut.kind, shut.room, shut.provider) == ("blocked", "Room 1", None)
    holiday = timeoff.add(clinic, ctx, start="2026-03-20", end="2026-03-21", reason="Holiday")
    assert (holiday.provider_id, holiday.room_id) == (None, None)
    everything = timeoff.listing(clinic, ctx, start="2026-03-01", end="2026-04-01")
    assert [b.id for b in everything] == [off.id, shut.id, holiday.id]
    hers = timeoff.listing(clinic, ctx, start="2026-03-01", end="2026-04-01", provider_id=ayse.id)
    assert [b.id for b in hers] == [off.id, holiday.id], "hers, and the clinic's closures"
    only = timeoff.listing(
        clinic, ctx, start="2026-03-01", end="2026-04-01", provider_id=ayse.id, time_off_only=True
    )
    assert [b.id for b in only] == [off.id]
    assert timeoff.remove(clinic, ctx, off.id[:8]).id == off.id
    with pytest.raises(NotFound):
        timeoff.remove(clinic, ctx, off.id)
    left = timeoff.listing(clinic, ctx, start="2026-03-01", end="2026-04-01")
    assert [b.id for b in left] == [shut.id, holiday.id]


def test_bad_blocked_time_is_refused_and_nothing_written(clinic: Database, ctx: Ctx) -> None:
    ayse = catalog.add_provider(clinic, ctx, name="Dr Ayşe")
    cases = [
        (dict(start="2026-03-10T13:00", end="2026-03-10T09:00", provider_id=ayse.id), "end"),
        (dict(start="10 March", end="2026-03-10T09:00", provider_id=ayse.id), "start"),
        (dict(start="2026-03-10", end="2026-03-11", provider_id="0" * 36), None),
        (dict(start="2026-03-10", end="2026-03-11", reason="bad\x1b[2J"), "reason"),
    ]
    for given, field in cases:
        with pytest.raises((ValidationError, NotFound)) as bad:
            timeoff.add(clinic, ctx, **given)  # type: ignore[arg-type]
        if field:
            assert getattr(bad.value, "field", None) == field, given
    with pytest.raises(ValidationError) as short:
        timeoff.remove(clinic, ctx, "abc")
    assert short.value.field == "id"
    with clinic.read() as s:
        assert s.scalar(select(func.count()).select_from(BlockedTime)) == 0


# --- staff accounts --------------------------------------------------------------------


def test_staff_accounts_added_changed_reset_and_disabled(
    clinic: Database, ctx: Ctx, clock: FixedClock
) -> None:
    desk = staff.add_user(
        clinic, ctx, username="Desk", password="desk-password", role="receptionist",
        full_name="Front Desk",
    )  # fmt: skip
    assert (desk.username, desk.role, desk.active) == ("desk", "receptionist", True)
    assert staff.find_user(clinic, ctx, "DESK").id == desk.id
    desk = staff.update_user(clinic, ctx, desk.id, role="manager", full_name="Desk Manager")
    assert (desk.role, desk.full_name) == ("manager", "Desk Manager")
    staff.reset_password(clinic, ctx, desk.id, "a-new-password")
    assert staff.sign_in(clinic, clock, "desk", "a-new-password", "ui").role == "manager"
    with pytest.raises(UnlockError):
        staff.sign_in(clinic, clock, "desk", "desk-password", "ui")
    assert not staff.deactivate_user(clinic, ctx, desk.id).active
    with pytest.raises(UnlockError):
        staff.sign_in(clinic, clock, "desk", "a-new-password", "ui")
    assert staff.reactivate_user(clinic, ctx, desk.id).active
    assert [u.username for u in staff.users(clinic, ctx)] == ["admin", "desk"]
    off = staff.add_user(clinic, ctx, username="temp", password="temp-password",
                         role="provider", active=False)  # fmt: skip
    assert not off.active


def test_staff_refusals_change_nothing(clinic: Database, ctx: Ctx, clock: FixedClock) -> None:
    admin_id = staff.find_user(clinic, ctx, "admin").id
    desk = staff.add_user(clinic, ctx, username="desk", password="desk-password",
                          role="receptionist")  # fmt: skip
    before = events(clinic)
    with pytest.raises(ValidationError) as last:
        staff.deactivate_user(clinic, ctx, admin_id)
    assert "one active administrator" in str(last.value)
    with pytest.raises(ValidationError) as short:  # the reset and the change: all or nothing
        staff.update_user(clinic, ctx, desk.id, role="manager", password="short")
    assert short.value.field == "password"
    with pytest.raises(ValidationError):
        staff.update_user(clinic, ctx, desk.id, password="a-long-password", role="boss")
    assert staff.sign_in(clinic, clock, "desk", "desk-password", "ui").role == "receptionist"
    receptionist = actor_ctx("receptionist", clock, user_id=desk.id)
    with pytest.raises(PermissionDenied):
        staff.users(clinic, receptionist)
    with pytest.raises(PermissionDenied):
        staff.find_user(clinic, receptionist, "admin")
    with pytest.raises(NotFound):
        staff.find_user(clinic, ctx, "nobody")
    assert events(clinic) == before + 1  # the sign-in above, nothing else


def test_a_provider_row_is_plain_data(clinic: Database, ctx: Ctx) -> None:
    row = catalog.add_provider(clinic, ctx, name="Dr Ayşe")
    assert not isinstance(row, Provider)
    with pytest.raises(AttributeError):
        row.name = "Changed"  # type: ignore[misc]
