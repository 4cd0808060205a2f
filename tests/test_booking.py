from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from factories import (
    actor_ctx,
    audit_created,
    make_clinic,
    make_patient,
    make_provider,
    make_room,
    make_service,
    weekdays,
)
from sqlalchemy import event, func, select, text

from receptionist.context import Ctx
from receptionist.errors import (
    ConflictError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from receptionist.journal import audit
from receptionist.models import Appointment, AuditEvent
from receptionist.schedule import blocked, booking, catalog, clinic
from receptionist.store.storage import Database

WEEKDAYS = weekdays(("09:00", "17:00"))
MON = datetime(2026, 3, 2, tzinfo=UTC)  # Istanbul is UTC+3: 09:00 local is 06:00 UTC


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """Istanbul wall time on Monday 2 March 2026 (+ ``day`` days), in UTC."""
    return MON + timedelta(days=day, hours=hour - 3, minutes=minute)


@dataclass
class World:
    db: Database
    admin: Ctx
    desk: Ctx
    manager: Ctx
    doctor: Ctx
    ids: dict[str, str]

    def book(self, ctx: Ctx | None = None, **kwargs: Any) -> Appointment:
        args = {
            "patient_id": self.ids["zeynep"],
            "provider_id": self.ids["ayse"],
            "service_id": self.ids["exam"],
            **kwargs,
        }
        with self.db.write() as s:
            return booking.book(s, ctx or self.desk, **args)

    def count(self, model: type[Any]) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def world(db: Database, ctx: Ctx) -> World:
    now = ctx.clock.now()
    with db.write() as s:
        make_clinic(s, ctx)
        ids = {
            "ayse": make_provider(s, ctx, "Dr Ayşe", WEEKDAYS).id,
            "mehmet": make_provider(s, ctx, "Dr Mehmet", WEEKDAYS).id,
            "exam": make_service(s, ctx, "Exam", 30).id,
            "clean": make_service(
                s, ctx, "Cleaning", 45, buffer_before_minutes=5, buffer_after_minutes=10
            ).id,
            "room1": make_room(s, ctx, "Room 1").id,
            "room2": make_room(s, ctx, "Room 2").id,
            "zeynep": make_patient(s, now, 1, "Zeynep", "Yılmaz").id,
            "omar": make_patient(s, now, 2, "Omar", "Haddad").id,
        }
        audit_created(s, ctx, "patient", (ids["zeynep"], ids["omar"]))
    return World(
        db,
        ctx,
        actor_ctx("receptionist", ctx.clock, "desk-1"),
        actor_ctx("manager", ctx.clock, "boss-1"),
        actor_ctx("provider", ctx.clock, "doc-1"),
        ids,
    )


def assert_no_patient_data(message: str) -> None:
    for word in ("Zeynep", "Yılmaz", "Omar", "Haddad", "T-1"):
        assert word not in message


# -- booking -------------------------------------------------------------------------------


def test_book_defaults_and_audit(world: World) -> None:
    appt = world.book(start=at(10), notes="first visit")
    assert (appt.start_utc, appt.end_utc) == (at(10), at(10, 30))
    assert appt.status == "booked" and appt.booked_by == "desk-1"
    assert appt.created_at == world.desk.clock.now() and appt.override_reason == ""
    with world.db.read() as s:
        last = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        assert (last.action, last.entity_type, last.entity_id) == ("create", "appointment", appt.id)
        assert audit.verify(s).ok


def test_provider_overlap_is_refused(world: World) -> None:
    first = world.book(start=at(10))
    with pytest.raises(ConflictError) as err:
        world.book(start=at(10, 15), patient_id=world.ids["omar"])
    (conflict,) = err.value.conflicts
    assert conflict.kind == "provider_busy" and conflict.other_id == first.id
    assert "from 10:00 to 10:30" in conflict.reason
    assert str(err.value).endswith(". Pick another time or ask a manager to override.")
    assert_no_patient_data(str(err.value))
    world.book(start=at(10, 30), patient_id=world.ids["omar"])  # touching is fine


def test_buffers_are_counted(world: World) -> None:
    world.book(start=at(10), service_id=world.ids["clean"])  # holds 09:55-10:55
    with pytest.raises(ConflictError, match="preparation or clean-up"):
        world.book(start=at(10, 45), patient_id=world.ids["omar"])
    world.book(start=at(10, 55), patient_id=world.ids["omar"])
    with pytest.raises(ConflictError):  # its own 5 minutes before overlap 10:55
        world.book(start=at(11, 25), patient_id=world.ids["omar"], service_id=world.ids["clean"])


def test_room_and_patient_overlaps(world: World) -> None:
    world.book(start=at(10), room_id=world.ids["room1"])
    with pytest.raises(ConflictError) as err:
        world.book(start=at(10), provider_id=world.ids["mehmet"], room_id=world.ids["room1"])
    kinds = sorted(c.kind for c in err.value.conflicts)
    assert kinds == ["patient_busy", "room_busy"]
    assert "There is one more problem; pick another time" in str(err.value)
    world.book(
        start=at(10),
        provider_id=world.ids["mehmet"],
        room_id=world.ids["room2"],
        patient_id=world.ids["omar"],
    )


def test_inactive_appointments_do_not_count(world: World) -> None:
    cancelled = world.book(start=at(10))
    no_show = world.book(start=at(11))
    deleted = world.book(start=at(12))
    world.desk.clock.set(at(11, 20))  # type: ignore[attr-defined]  # they never came
    with world.db.write() as s:
        booking.cancel(s, world.desk, cancelled.id, "patient called")
        booking.set_status(s, world.desk, no_show.id, "no_show")
        s.get(Appointment, deleted.id).deleted_at = world.desk.clock.now()  # type: ignore[union-attr]
    for hour in (10, 11, 12):
        world.book(start=at(hour), patient_id=world.ids["omar"])


def test_working_hours_and_opening_hours(world: World) -> None:
    with pytest.raises(ConflictError) as err:
        world.book(start=at(16, 45))
    (conflict,) = err.value.conflicts
    assert conflict.kind == "outside_provider_hours"
    assert "09:00-17:00 on Mon 02 Mar" in conflict.reason
    with pytest.raises(ConflictError, match="outside"):
        world.book(start=at(10, day=5))  # Saturday
    with world.db.write() as s:
        clinic.update_clinic(
            s, world.admin, opening_hours={**WEEKDAYS, "mon": [["10:00", "16:00"]]}
        )
        catalog.update_provider(s, world.admin, world.ids["mehmet"], working_hours={})
    with pytest.raises(ConflictError) as err:
        world.book(start=at(8, 30))
    assert sorted(c.kind for c in err.value.conflicts) == [
        "outside_clinic_hours",
        "outside_provider_hours",
    ]
    world.book(start=at(10, day=1), provider_id=world.ids["mehmet"])  # no hours set: clinic's
    with pytest.raises(ConflictError, match="clinic's opening hours"):
        world.book(start=at(7, day=1), provider_id=world.ids["mehmet"])


def test_blocked_time(world: World) -> None:
    with world.db.write() as s:
        blocked.add_blocked_time(s, world.admin, start=at(12), end=at(13))
        blocked.add_blocked_time(
            s,
            world.admin,
            start=at(9),
            end=at(17, day=4),
            provider_id=world.ids["mehmet"],
            kind="time_off",
        )
        blocked.add_blocked_time(
            s, world.admin, start=at(14), end=at(15), room_id=world.ids["room1"]
        )
    cases = [
        ({"start": at(12, 45)}, "blocked_clinic", "The clinic is closed"),
        ({"start": at(10), "provider_id": world.ids["mehmet"]}, "blocked_provider", "time off"),
        ({"start": at(14, 30), "room_id": world.ids["room1"]}, "blocked_room", "The room"),
    ]
    for kwargs, kind, words in cases:
        with pytest.raises(ConflictError) as err:
            world.book(**kwargs)
        assert [c.kind for c in err.value.conflicts] == [kind]
        assert words in err.value.conflicts[0].reason
    world.book(start=at(14, 30), room_id=world.ids["room2"])
    world.book(start=at(11, 30), end=at(12))


def test_override(world: World) -> None:
    first = world.book(start=at(10))
    with pytest.raises(PermissionDenied, match="manager or an administrator"):
        world.book(start=at(10), patient_id=world.ids["omar"], override_reason="urgent")
    with pytest.raises(ConflictError, match="book it with an override reason"):
        world.book(world.manager, start=at(10), patient_id=world.ids["omar"])
    with pytest.raises(ValidationError) as err:
        world.book(world.manager, start=at(10), override_reason="  ")
    assert err.value.field == "override_reason"
    second = world.book(
        world.manager,
        start=at(10),
        patient_id=world.ids["omar"],
        override_reason="Emergency, patient in pain",
    )
    assert second.override_by == "boss-1" and booking.is_overridden(second)
    clean = world.book(world.manager, start=at(11), override_reason="just in case")
    assert clean.override_by is None and not booking.is_overridden(clean)
    with world.db.read() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == second.id)
        ).all()
        assert actions == ["create", "override"]
    assert not booking.is_overridden(first)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"patient_id": "nope"}, "no patient with that id"),
        ({"provider_id": "nope"}, "no provider with that id"),
        ({"service_id": "nope"}, "no service with that id"),
        ({"room_id": "nope"}, "no room with that id"),
    ],
)
def test_unknown_things(world: World, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(NotFound, match=message):
        world.book(start=at(10), **kwargs)
    assert world.count(Appointment) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"end": at(9, 30)}, "end"),
        ({"end": at(10)}, "end"),
        ({"end": at(23)}, "end"),
        ({"start": datetime(2026, 3, 2, 10)}, "start"),
        ({"notes": "a\x00b"}, "notes"),
        ({"notes": "ş" * (512 * 1024 + 1)}, "notes"),
    ],
)
def test_invalid_bookings_write_nothing(world: World, kwargs: dict[str, Any], field: str) -> None:
    events = world.count(AuditEvent)
    with pytest.raises(ValidationError) as err:
        world.book(**{"start": at(10), **kwargs})
    assert err.value.field == field
    assert world.count(Appointment) == 0 and world.count(AuditEvent) == events


def test_large_notes_within_limit(world: World) -> None:
    assert len(world.book(start=at(10), notes="x" * (1024 * 1024)).notes) == 1024 * 1024


def test_inactive_provider_and_service_are_refused(world: World) -> None:
    with world.db.write() as s:
        catalog.update_provider(s, world.admin, world.ids["mehmet"], active=False)
        catalog.update_service(s, world.admin, world.ids["clean"], active=False)
    with pytest.raises(ValidationError, match="provider is inactive"):
        world.book(start=at(10), provider_id=world.ids["mehmet"])
    with pytest.raises(ValidationError, match="service is inactive"):
        world.book(start=at(10), service_id=world.ids["clean"])


def test_roles(world: World) -> None:
    with pytest.raises(PermissionDenied):
        world.book(world.doctor, start=at(10))
    appt = world.book(start=at(10))
    with world.db.write() as s:
        booking.set_status(s, world.doctor, appt.id, "arrived")
        with pytest.raises(PermissionDenied):
            booking.cancel(s, world.doctor, appt.id, "no")


def test_check_is_a_dry_run(world: World) -> None:
    world.book(start=at(10))
    draft = booking.Draft(world.ids["omar"], world.ids["ayse"], world.ids["exam"], at(10, 10))
    with world.db.read() as s:
        assert [c.kind for c in booking.check(s, world.desk, draft)] == ["provider_busy"]
    assert world.count(Appointment) == 1


# -- rescheduling --------------------------------------------------------------------------


def test_reschedule_moves_resizes_and_reassigns(world: World) -> None:
    appt = world.book(start=at(10), room_id=world.ids["room1"])
    with world.db.write() as s:
        moved = booking.reschedule(s, world.desk, appt.id, start=at(10, 15))  # overlaps itself
        assert (moved.start_utc, moved.end_utc) == (at(10, 15), at(10, 45))
        booking.reschedule(s, world.desk, appt.id, end=at(11))
        assert moved.end_utc == at(11)
        booking.reschedule(s, world.desk, appt.id, provider_id=world.ids["mehmet"], room_id=None)
        assert (moved.provider_id, moved.room_id, moved.version) == (world.ids["mehmet"], None, 4)
        booking.reschedule(s, world.desk, appt.id)  # nothing changes: no event
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == appt.id)).all()
        assert actions == ["create", "reschedule", "reschedule", "reschedule"]


def test_reschedule_conflicts_and_overrides(world: World) -> None:
    world.book(start=at(11))
    appt = world.book(start=at(10), patient_id=world.ids["omar"])
    with world.db.write() as s, pytest.raises(ConflictError):
        booking.reschedule(s, world.desk, appt.id, start=at(11, 15))
    with world.db.write() as s:
        appt = booking.reschedule(
            s, world.manager, appt.id, start=at(11, 15), override_reason="VIP"
        )
        assert appt.override_by == "boss-1"
        booking.reschedule(s, world.desk, appt.id, start=at(13))
        assert (appt.override_by, appt.override_reason) == (None, "")
        booking.cancel(s, world.desk, appt.id, "moved away")
        with pytest.raises(IllegalTransition, match="cancelled cannot be moved"):
            booking.reschedule(s, world.desk, appt.id, start=at(14))


def test_failed_reschedule_changes_nothing(world: World) -> None:
    world.book(start=at(11))
    appt = world.book(start=at(10), patient_id=world.ids["omar"])
    with pytest.raises(ConflictError), world.db.write() as s:
        booking.reschedule(s, world.desk, appt.id, start=at(11))
    with world.db.read() as s:
        again = s.get(Appointment, appt.id)
        assert again is not None and again.start_utc == at(10) and again.version == 1


# -- status and cancelling -----------------------------------------------------------------


def test_the_appointments_day_is_the_clinics_day() -> None:
    """In Auckland (UTC+13 in March) 08:00 on the 3rd is still the 2nd in UTC: the
    14:00 patient of the 3rd may arrive, though UTC would call it tomorrow's."""
    from zoneinfo import ZoneInfo

    from receptionist.schedule import lifecycle

    auckland = ZoneInfo("Pacific/Auckland")
    start = datetime(2026, 3, 3, 1, 0, tzinfo=UTC)  # 14:00 on the 3rd in Auckland
    morning = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)  # 08:00 on the 3rd in Auckland
    assert not lifecycle.not_yet("arrived", start, morning, auckland)
    assert lifecycle.not_yet("arrived", start, morning - timedelta(hours=9), auckland)
    assert lifecycle.not_yet("no_show", start, morning, auckland)
    assert not lifecycle.not_yet("no_show", start, start, auckland)
    assert not lifecycle.not_yet("confirmed", start, morning - timedelta(days=30), auckland)


def test_statuses_wait_for_the_appointments_time(world: World) -> None:
    """A no-show before the start, or an arrival on another day, is refused and changes
    nothing: a mistyped id would free a future patient's slot for good."""
    later_today, next_week = world.book(start=at(15)), world.book(start=at(10, day=7))
    clock = world.desk.clock
    with world.db.write() as s:
        with pytest.raises(IllegalTransition, match="starts at 2026-03-02 15:00; mark it a no"):
            booking.set_status(s, world.desk, later_today.id, "no_show")
        for status in ("arrived", "in_room"):  # (completed follows one of them)
            with pytest.raises(IllegalTransition, match="is on 2026-03-09; it can be marked"):
                booking.set_status(s, world.desk, next_week.id, status)
        booking.set_status(s, world.desk, later_today.id, "arrived")  # early, on the day
    with world.db.read() as s:
        assert s.get(Appointment, next_week.id).status == "booked"  # type: ignore[union-attr]
        assert s.get(Appointment, later_today.id).status == "arrived"  # type: ignore[union-attr]
    clock.set(at(10, 5, day=7))  # type: ignore[attr-defined]
    with world.db.write() as s:
        assert booking.set_status(s, world.desk, next_week.id, "no_show").status == "no_show"


def test_status_road(world: World) -> None:
    appt = world.book(start=at(10))
    clock = world.desk.clock
    with world.db.write() as s:
        appt = booking.set_status(s, world.desk, appt.id, "confirmed")
        clock.advance(minutes=1)  # type: ignore[attr-defined]
        booking.set_status(s, world.desk, appt.id, "arrived")
        booking.set_status(s, world.desk, appt.id, "arrived")  # double click
        assert appt.arrived_at == clock.now()
        booking.set_status(s, world.doctor, appt.id, "in_room")
        booking.set_status(s, world.doctor, appt.id, "completed")
        with pytest.raises(IllegalTransition, match="completed cannot become booked"):
            booking.set_status(s, world.desk, appt.id, "booked")
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == appt.id)).all()
        assert actions == [
            "create",
            "status_confirmed",
            "status_arrived",
            "status_in_room",
            "status_completed",
        ]


def test_cancel(world: World) -> None:
    appt = world.book(start=at(10))
    with world.db.write() as s:
        with pytest.raises(ValidationError) as err:
            booking.set_status(s, world.desk, appt.id, "cancelled")
        assert err.value.field == "reason"
        appt = booking.set_status(s, world.desk, appt.id, "cancelled", reason=" Patient is ill ")
        assert (appt.status, appt.cancellation_reason) == ("cancelled", "Patient is ill")
        with pytest.raises(IllegalTransition):
            booking.cancel(s, world.desk, appt.id, "again")
        with pytest.raises(NotFound, match="no longer exists"):
            booking.cancel(s, world.desk, "missing", "x")


# -- listing -------------------------------------------------------------------------------


def test_list_appointments(world: World) -> None:
    a = world.book(start=at(10))
    b = world.book(start=at(11), provider_id=world.ids["mehmet"], patient_id=world.ids["omar"])
    c = world.book(start=at(10, day=1))
    with world.db.write() as s:
        booking.cancel(s, world.desk, c.id, "x")
        day = (at(0), at(0, day=1))
        assert [x.id for x in booking.list_appointments(s, world.doctor, *day)] == [a.id, b.id]
        only = booking.list_appointments(s, world.desk, *day, provider_id=world.ids["mehmet"])
        assert [x.id for x in only] == [b.id]
        assert booking.list_appointments(s, world.desk, at(10, 15), at(10, 20)) == [
            s.get(Appointment, a.id)
        ]
        assert booking.list_appointments(s, world.desk, at(10, 30), at(11)) == []
        week = booking.list_appointments(s, world.desk, at(0), at(0, day=7), include_inactive=True)
        assert len(week) == 3


# -- daylight saving -----------------------------------------------------------------------


def test_london_hours_hold_across_the_change(world: World) -> None:
    with world.db.write() as s:
        clinic.update_clinic(s, world.admin, timezone="Europe/London")
    friday = datetime(2026, 3, 27, 9, tzinfo=UTC)  # 09:00 GMT
    monday = datetime(2026, 3, 30, 8, tzinfo=UTC)  # 09:00 BST
    world.book(start=friday)
    world.book(start=monday)
    world.book(start=monday + timedelta(hours=7, minutes=30))  # 16:30 BST
    with pytest.raises(ConflictError, match="outside the provider's working hours"):
        world.book(start=monday - timedelta(minutes=30), patient_id=world.ids["omar"])
    with pytest.raises(ConflictError, match="outside the provider's working hours"):
        world.book(start=monday + timedelta(hours=8), patient_id=world.ids["omar"])


# -- performance shape ---------------------------------------------------------------------


@pytest.fixture
def statements(world: World) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen.append((sql, params))

    event.listen(world.db.engine, "before_cursor_execute", listen)
    yield seen
    event.remove(world.db.engine, "before_cursor_execute", listen)


def test_conflict_queries_use_the_indexes(world: World, statements: list[Any]) -> None:
    world.book(start=at(9), room_id=world.ids["room1"])
    statements.clear()
    world.book(start=at(10), room_id=world.ids["room1"])
    selects = [(q, p) for q, p in statements if q.lstrip().upper().startswith("SELECT")]
    assert len(statements) <= 14, [q for q, _ in statements]
    plans = []
    with world.db.read() as s:
        for sql, params in selects:
            if "FROM appointment" in sql:
                rows = s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                plans.append(" ".join(str(r[-1]) for r in rows))
    used = " | ".join(plans)
    for index in ("provider_start", "room_start", "patient_start"):
        assert f"ix_appointment_{index}" in used, used
    assert "SCAN appointment" not in used, used
    assert all(text is not None for text in plans)


def test_nothing_half_written_when_audit_fails(world: World, monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        world.book(start=at(10))
    assert world.count(Appointment) == 0
    with world.db.read() as s:
        assert s.execute(text("SELECT count(*) FROM appointment")).scalar() == 0
