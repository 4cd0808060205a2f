from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from factories import make_provider, make_room, make_service, make_small_clinic, weekdays
from sqlalchemy import event

from receptionist.context import Ctx
from receptionist.errors import NotFound, ValidationError
from receptionist.schedule import blocked, booking, catalog, clinic, slots
from receptionist.store.storage import Database

WEEKDAYS = weekdays(("09:00", "12:00"), ("13:00", "17:00"))
MON = datetime(2026, 3, 2, tzinfo=UTC)  # Istanbul is UTC+3
IST = ZoneInfo("Europe/Istanbul")


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    """Istanbul wall time on Monday 2 March 2026 (+ ``day`` days), in UTC."""
    return MON + timedelta(days=day, hours=hour - 3, minutes=minute)


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        return make_small_clinic(s, ctx, WEEKDAYS) | {
            "baris": make_provider(s, ctx, "Dr Barış", WEEKDAYS).id,
            "exam": make_service(s, ctx, "Exam", 30).id,
            "long": make_service(s, ctx, "Implant", 50, buffer_after_minutes=10).id,
            "room": make_room(s, ctx, "Room 1").id,
        }


def find(db: Database, ctx: Ctx, **kwargs: Any) -> list[slots.Slot]:
    with db.read() as s:
        return slots.find_slots(s, ctx, **kwargs)


def book(db: Database, ctx: Ctx, **kwargs: Any) -> None:
    with db.write() as s:
        booking.book(s, ctx, **{"patient_id": "p1", **kwargs})


def starts(found: list[slots.Slot]) -> list[datetime]:
    return [slot.start for slot in found]


def test_first_slots_from_now_on_the_grid(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    ctx.clock.set(at(10, 7))  # type: ignore[attr-defined]
    found = find(db, ctx, service_id=ids["exam"], provider_id=ids["ayse"], count=3)
    assert starts(found) == [at(10, 15), at(10, 30), at(10, 45)]
    assert found[0] == slots.Slot(at(10, 15), at(10, 45), ids["ayse"], None)


def test_booked_time_and_buffers_are_skipped(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        clinic.update_clinic(s, ctx, slot_minutes=5)
    book(db, ctx, provider_id=ids["ayse"], service_id=ids["long"], start=at(9))  # 09:00-09:50
    found = find(
        db, ctx, service_id=ids["exam"], provider_id=ids["ayse"], start_from=at(9), count=2
    )
    assert starts(found) == [at(10), at(10, 5)]  # not 09:50: clean-up until 10:00


def test_lunch_end_of_day_and_weekend(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    found = find(
        db, ctx, service_id=ids["long"], provider_id=ids["ayse"], start_from=at(11), count=3
    )
    assert starts(found) == [at(11), at(13), at(13, 15)]
    friday_late = at(16, 45, day=4)
    found = find(db, ctx, service_id=ids["exam"], provider_id=ids["ayse"], start_from=friday_late)
    assert found[0].start == at(9, day=7)  # next Monday


def test_any_provider_in_time_then_name_order(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    book(db, ctx, provider_id=ids["ayse"], service_id=ids["exam"], start=at(9))
    found = find(db, ctx, service_id=ids["exam"], start_from=at(9), count=3)
    assert [(s.start, s.provider_id) for s in found] == [
        (at(9), ids["baris"]),
        (at(9, 15), ids["baris"]),
        (at(9, 30), ids["ayse"]),
    ]
    with db.write() as s:
        catalog.update_provider(s, ctx, ids["baris"], active=False)
    assert {s.provider_id for s in find(db, ctx, service_id=ids["exam"], count=10)} == {ids["ayse"]}


def test_room_patient_and_blocked_time(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    book(db, ctx, provider_id=ids["ayse"], service_id=ids["exam"], start=at(9), room_id=ids["room"])
    with db.write() as s:
        blocked.add_blocked_time(s, ctx, start=at(9, 30), end=at(10), provider_id=ids["baris"])
    args = {"service_id": ids["exam"], "provider_id": ids["baris"], "start_from": at(9)}
    assert starts(find(db, ctx, **args, count=1)) == [at(9)]
    assert starts(find(db, ctx, **args, count=1, room_id=ids["room"])) == [at(9, 30 + 30)]
    assert starts(find(db, ctx, **args, count=1, patient_id="p1")) == [at(10)]
    assert starts(find(db, ctx, **args, count=1, patient_id="p2")) == [at(9)]


def test_every_offered_slot_books_cleanly(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    book(db, ctx, provider_id=ids["ayse"], service_id=ids["long"], start=at(10, 10))
    book(db, ctx, provider_id=ids["baris"], service_id=ids["exam"], start=at(9, 40))
    with db.write() as s:
        clinic.update_clinic(s, ctx, opening_hours={"mon": [["09:30", "16:00"]]})
    found = find(db, ctx, service_id=ids["long"], start_from=at(8), count=40, patient_id="p2")
    assert len(found) == 40
    for slot in found:
        start, end = slot.start.astimezone(IST), slot.end.astimezone(IST)
        assert start.weekday() == 0 and time(9, 30) <= start.time() and end.time() <= time(16)
    with db.write() as s:
        for slot in found:
            draft = booking.Draft("p2", slot.provider_id, ids["long"], slot.start)
            assert booking.check(s, ctx, draft) == []


def test_nothing_within_the_horizon(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        catalog.update_provider(s, ctx, ids["ayse"], working_hours={"sun": []})
    assert find(db, ctx, service_id=ids["exam"], provider_id=ids["ayse"], horizon_days=30) == []
    with pytest.raises(ValidationError):
        find(db, ctx, service_id=ids["exam"], count=0)
    with pytest.raises(ValidationError):
        find(db, ctx, service_id=ids["exam"], horizon_days=1000)


def test_queries_do_not_grow_with_candidates(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    for hour in (9, 10, 11, 13, 14, 15, 16):
        book(db, ctx, provider_id=ids["ayse"], service_id=ids["exam"], start=at(hour, day=1))
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        found = find(db, ctx, service_id=ids["exam"], start_from=at(9), count=100)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert len(found) == 100  # Monday and most of Tuesday: two windows (one day, two days)
    appointment_queries = [q for q in seen if "FROM appointment" in q]
    assert len(appointment_queries) == 2  # one per window, for both providers at once
    assert all("provider_id IN" in q for q in appointment_queries)
    assert len(seen) < 15


def test_london_grid_across_the_change(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        clinic.update_clinic(s, ctx, timezone="Europe/London", slot_minutes=30)
    friday = datetime(2026, 3, 27, 16, 30, tzinfo=UTC)  # 16:30 GMT, the last slot
    found = find(
        db, ctx, service_id=ids["exam"], provider_id=ids["ayse"], start_from=friday, count=2
    )
    assert starts(found) == [friday, datetime(2026, 3, 30, 8, tzinfo=UTC)]  # Monday 09:00 BST


def test_a_clinic_without_hours(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        catalog.update_provider(s, ctx, ids["ayse"], working_hours={})
        clinic.update_clinic(s, ctx, slot_minutes=60)
    ctx.clock.set(at(22, 20))  # type: ignore[attr-defined]
    found = find(db, ctx, service_id=ids["exam"], provider_id=ids["ayse"], count=3)
    assert starts(found) == [at(23), at(0, day=1), at(1, day=1)]


def test_unknown_service(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with pytest.raises(NotFound, match="no service"):
        find(db, ctx, service_id="nope")
    with pytest.raises(NotFound, match="no patient"):
        find(db, ctx, service_id=ids["exam"], patient_id="nope")
