"""The schedule window's load, the today board and the waitlist as operations, called
as any front end calls them (no Qt); each returns plain data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

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

from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.ops import agenda, appointments, slots, today, waitlist
from receptionist.ops.appointments import BookRequest
from receptionist.ops.waitlist import WaitlistRow, Wishes
from receptionist.store.storage import Database

MON = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; Istanbul is UTC+3; the clock: 10:00


def at(hour: int, minute: int = 0, day: int = 0) -> datetime:
    return MON + timedelta(days=day, hours=hour - 3, minutes=minute)


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    now = ctx.clock.now()
    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
        found = {
            "ayse": make_provider(s, ctx, "Dr Ayşe", weekdays(("09:00", "17:00"))).id,
            "mehmet": make_provider(s, ctx, "Dr Mehmet").id,
            "exam": make_service(s, ctx, "Exam", 30).id,
            "room1": make_room(s, ctx, "Room 1").id,
            "zeynep": make_patient(s, now, 1, "Zeynep", "Yılmaz").id,
            "omar": make_patient(s, now, 2, "Omar", "Haddad").id,
        }
        audit_created(s, ctx, "patient", (found["zeynep"], found["omar"]))
    return found


def book(db: Database, ctx: Ctx, ids: dict[str, str], start: datetime, who: str = "zeynep") -> str:
    request = BookRequest(ids[who], ids["ayse"], ids["exam"], start, room_id=ids["room1"])
    return appointments.book(db, ctx, request).id


# -- the schedule window -------------------------------------------------------------------


def test_the_window_loads_its_cards_hours_and_every_column(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, at(10))
    start, end = agenda.day_window(date(2026, 3, 2), agenda.clinic(db, ctx).tz)
    window = agenda.load(db, ctx, start, end, ids=[ids["ayse"]])
    assert [c.name for c in window.agenda.columns] == ["Dr Ayşe"]
    assert [c.name for c in window.columns] == ["Dr Ayşe", "Dr Mehmet"], "the filter's choices"
    assert [i.id for i in window.agenda.items] == [booked]
    worked = window.agenda.working[ids["ayse"]]
    assert [(w.start_utc, w.end_utc) for w in worked] == [(at(9), at(17))]
    rooms = agenda.load(db, ctx, start, end, kind="room")
    assert [c.name for c in rooms.columns] == ["Room 1"]
    assert [i.id for i in rooms.agenda.items] == [booked]
    assert agenda.today(db, ctx) == date(2026, 3, 2)
    with pytest.raises(PermissionDenied):
        agenda.load(db, actor_ctx("cleaner", ctx.clock), start, end)


def test_free_slots_book_without_a_clash(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    book(db, ctx, ids, at(10))
    query = slots.SlotQuery(ids["exam"], ids["ayse"], start_from=at(9, 45), count=2)
    found = slots.free(db, ctx, query)
    assert [s.start for s in found] == [at(10, 30), at(10, 45)]  # the 15-minute grid


# -- the today board -----------------------------------------------------------------------


def test_the_board_shows_today_and_marks_arrivals(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    first = book(db, ctx, ids, at(10))
    book(db, ctx, ids, at(10, day=1), who="omar")  # tomorrow: not on today's board
    rows = today.day(db, ctx)
    assert [(r.id, r.patient_name, r.room_name) for r in rows] == [
        (first, "Zeynep Yılmaz", "Room 1")
    ]
    assert today.mark(db, ctx, first, "arrived") == "arrived"
    (row,) = today.day(db, ctx)
    assert row.status == "arrived" and row.arrived_at == ctx.clock.now()
    assert [r.patient_name for r in today.day(db, ctx, date(2026, 3, 3))] == ["Omar Haddad"]


# -- the waitlist --------------------------------------------------------------------------


def test_add_change_list_and_remove(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    wishes = Wishes(ids["zeynep"], ids["exam"], times_of_day=("morning",), priority=1)
    added = waitlist.add(db, ctx, wishes)
    assert isinstance(added, WaitlistRow)
    assert (added.patient_name, added.service_name, added.times_of_day) == (
        "Zeynep Yılmaz",
        "Exam",
        ("morning",),
    )
    changed = waitlist.change(
        db, ctx, added.id, Wishes(ids["zeynep"], ids["exam"], ids["ayse"], weekdays=("fri", "mon"))
    )
    assert (changed.provider_name, changed.weekdays, changed.times_of_day) == (
        "Dr Ayşe",
        ("mon", "fri"),
        (),
    )
    assert waitlist.listing(db, ctx) == [changed]
    assert waitlist.find(db, added.id[:8]) == added.id
    removed = waitlist.remove(db, ctx, added.id)
    assert removed.status == "removed"
    assert waitlist.listing(db, ctx) == []
    assert [r.status for r in waitlist.listing(db, ctx, active_only=False)] == ["removed"]


def test_bad_wishes_are_refused_and_nothing_is_added(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    for wishes, field in (
        (Wishes(ids["zeynep"], ids["exam"], weekdays=("someday",)), "weekdays"),
        (Wishes(ids["zeynep"], ids["exam"], times_of_day=("noon",)), "times_of_day"),
        (Wishes(ids["zeynep"], ids["exam"], priority=5), "priority"),
        (
            Wishes(ids["zeynep"], ids["exam"], earliest=date(2026, 3, 9), latest=date(2026, 3, 8)),
            "latest_date",
        ),
    ):
        with pytest.raises(ValidationError) as raised:
            waitlist.add(db, ctx, wishes)
        assert raised.value.field == field
    with pytest.raises(NotFound):
        waitlist.find(db, "abcdef12")
    assert waitlist.listing(db, ctx, active_only=False) == []


def test_booking_a_candidate_takes_the_entry_off_as_booked(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    entry = waitlist.add(db, ctx, Wishes(ids["omar"], ids["exam"]))
    found = waitlist.candidate(db, ctx, entry.id)
    assert (found.entry, found.patient.display_name) == (entry, "Omar Haddad")
    someone_else = book(db, ctx, ids, at(11))
    assert waitlist.mark_booked(db, ctx, entry.id, someone_else) is False
    theirs = book(db, ctx, ids, at(12), who="omar")
    assert waitlist.mark_booked(db, ctx, entry.id, theirs) is True
    assert [r.status for r in waitlist.listing(db, ctx, active_only=False)] == ["booked"]
    with pytest.raises(ValidationError):
        waitlist.candidate(db, ctx, entry.id)
