"""The today board's core: the clinic's local today, waiting minutes, marking through the core."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from factories import actor_ctx, make_room, make_service, make_small_clinic, weekdays
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import IllegalTransition, PermissionDenied
from receptionist.models import Appointment, AuditEvent
from receptionist.schedule import booking, today
from receptionist.store.storage import Database

IST = ZoneInfo("Europe/Istanbul")


def local(hhmm: str, day: date = date(2026, 3, 2)) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=IST).astimezone(UTC)


@pytest.fixture
def appts(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        ids = make_small_clinic(s, ctx, weekdays(("00:00", "23:59")))
        svc = make_service(s, ctx, "Check-up", 30).id
        room = make_room(s, ctx, "Room 1").id

        def book(patient: str, at: datetime) -> str:
            return booking.book(
                s, ctx, patient_id=patient, provider_id=ids["ayse"], service_id=svc,
                start=at, room_id=room,
            ).id  # fmt: skip

        found = {
            "early": book("p1", local("00:15")),  # Monday in Istanbul, Sunday in UTC
            "late": book("p2", local("09:30")),
            "later": book("p1", local("11:00")),
            "gone": book("p2", local("12:00")),
            "tomorrow": book("p1", local("00:10", date(2026, 3, 3))),
        }
        booking.cancel(s, ctx, found["gone"], "Asked to")
    return found


def test_the_clinics_local_today(db: Database, ctx: Ctx, appts: dict[str, str]) -> None:
    with db.read() as s:
        rows = today.load_day(s, ctx)
    assert [r.id for r in rows] == [appts["early"], appts["late"], appts["later"]]
    assert rows[0].room_name == "Room 1" and rows[0].provider_name == "Dr Ayşe"
    assert rows[0].patient_name == "A B"


def test_waiting_minutes_from_the_clock(
    db: Database, clock: FixedClock, ctx: Ctx, appts: dict[str, str]
) -> None:
    with db.write() as s:
        today.mark(s, ctx, appts["later"], "arrived")
    arrived = clock.now()
    with db.read() as s:
        row = next(r for r in today.load_day(s, ctx) if r.id == appts["later"])
    assert row.arrived_at == arrived
    assert row.waiting_minutes(clock.advance(minutes=16, seconds=59)) == 16
    with db.write() as s:
        today.mark(s, ctx, appts["later"], "in_room")
    with db.read() as s:
        row = next(r for r in today.load_day(s, ctx) if r.id == appts["later"])
    assert row.waiting_minutes(clock.now()) is None  # in the room: no longer waiting


def test_late_and_no_show(db: Database, clock: FixedClock, ctx: Ctx, appts: dict[str, str]) -> None:
    with db.read() as s:
        rows = {r.id: r for r in today.load_day(s, ctx)}
    assert rows[appts["late"]].is_late(clock.now(), IST)  # 09:30, and it is 10:00
    assert not rows[appts["later"]].is_late(clock.now(), IST)
    with db.write() as s:
        today.mark(s, ctx, appts["late"], "no_show")
    with db.read() as s:
        statuses = {r.id: r.status for r in today.load_day(s, ctx)}
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())))
    assert statuses[appts["late"]] == "no_show"  # stays on the board
    assert actions[0] == "status_no_show"
    with db.write() as s, pytest.raises(IllegalTransition):
        today.mark(s, ctx, appts["late"], "arrived")


def test_a_walk_in_sent_to_the_room_counts_as_arrived(
    db: Database, clock: FixedClock, ctx: Ctx, appts: dict[str, str]
) -> None:
    with db.write() as s:
        today.mark(s, ctx, appts["later"], "in_room")
    with db.read() as s:
        appt = s.get(Appointment, appts["later"])
        assert appt is not None and appt.arrived_at == clock.now()


def test_reading_needs_a_role(db: Database, clock: FixedClock, appts: dict[str, str]) -> None:
    with db.read() as s, pytest.raises(PermissionDenied):
        today.load_day(s, actor_ctx("nobody", clock))
    with db.write() as s:
        today.mark(s, actor_ctx("provider", clock), appts["later"], "arrived")
