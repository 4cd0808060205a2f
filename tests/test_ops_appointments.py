"""Operations on appointments, called as any front end calls them (no Qt): book, move
with the booking's conflict checks and override, the drag's dry run, cancel, status,
show and the listings; and the core's whole-minute rule, whoever asks."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
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
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import (
    ConflictError,
    IllegalTransition,
    PermissionDenied,
    ValidationError,
)
from receptionist.journal import changefeed
from receptionist.models import Appointment, AuditEvent
from receptionist.ops import appointments, undo
from receptionist.ops.appointments import KEEP, AppointmentInfo, BookRequest, MoveRequest
from receptionist.schedule import blocked, booking
from receptionist.store.storage import Database

MON = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday; Istanbul is UTC+3


def at(hour: int, minute: int = 0, day: int = 0, second: int = 0) -> datetime:
    """Istanbul wall time on Monday 2 March 2026 (+ ``day`` days), in UTC."""
    return MON + timedelta(days=day, hours=hour - 3, minutes=minute, seconds=second)


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    now = ctx.clock.now()
    hours = weekdays(("09:00", "18:00"))
    with db.write() as s:
        make_clinic(s, ctx)
        found = {
            "ayse": make_provider(s, ctx, "Dr Ayşe", hours).id,
            "mehmet": make_provider(s, ctx, "Dr Mehmet", hours).id,
            "exam": make_service(s, ctx, "Exam", 30).id,
            "room1": make_room(s, ctx, "Room 1").id,
            "room2": make_room(s, ctx, "Room 2").id,
            "zeynep": make_patient(s, now, 1, "Zeynep", "Yılmaz").id,
            "omar": make_patient(s, now, 2, "Omar", "Haddad").id,
        }
        audit_created(s, ctx, "patient", (found["zeynep"], found["omar"]))
    return found


def book(db: Database, ctx: Ctx, ids: dict[str, str], **given: Any) -> AppointmentInfo:
    fields = {
        "patient_id": ids["zeynep"],
        "provider_id": ids["ayse"],
        "service_id": ids["exam"],
        "start": at(10),
        **given,
    }
    return appointments.book(db, ctx, BookRequest(**fields))


def count(db: Database, model: Any) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_book_gives_plain_data_with_everything_named(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, room_id=ids["room1"], notes="Bring the X-ray")
    assert isinstance(booked, AppointmentInfo)
    assert (booked.start_utc, booked.end_utc) == (at(10), at(10, 30))
    assert (booked.patient_number, booked.patient_name) == ("T-1", "Zeynep Yılmaz")
    assert (booked.provider_name, booked.service_name, booked.room_name) == (
        "Dr Ayşe",
        "Exam",
        "Room 1",
    )
    assert booked.status == "booked" and booked.notes == "Bring the X-ray"
    with pytest.raises(dataclasses.FrozenInstanceError):
        booked.status = "cancelled"  # type: ignore[misc]
    assert appointments.show(db, ctx, booked.id) == booked


# -- whole minutes: a rule of the core, not of one front end -------------------------------


def test_a_start_with_seconds_is_refused_by_the_core_itself(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    """Listings, cards and clash messages show minutes: 10:00:30 would read as 10:00,
    and a booking at 10:30 would be refused for a clash nobody can see."""
    with db.write() as s, pytest.raises(ValidationError, match="whole minutes") as raised:
        booking.book(
            s,
            ctx,
            patient_id=ids["zeynep"],
            provider_id=ids["ayse"],
            service_id=ids["exam"],
            start=at(10, second=30),
        )
    assert raised.value.field == "start"
    with pytest.raises(ValidationError, match="whole minutes"):
        book(db, ctx, ids, start=at(10) + timedelta(microseconds=1))
    assert count(db, Appointment) == 0


def test_a_move_to_seconds_is_refused_and_changes_nothing(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids)
    with pytest.raises(ValidationError) as raised:
        appointments.move(db, ctx, booked.id, MoveRequest(end=at(10, 45, second=1)))
    assert raised.value.field == "end" and "whole minutes" in str(raised.value)
    with pytest.raises(ValidationError) as raised:
        appointments.check_move(db, ctx, booked.id, MoveRequest(start=at(11, second=59)))
    assert raised.value.field == "start"
    assert appointments.show(db, ctx, booked.id) == booked


# -- moving: the drag's rules, for every front end -----------------------------------------


def test_a_move_keeps_what_is_not_given(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    booked = book(db, ctx, ids, room_id=ids["room1"])
    moved = appointments.move(db, ctx, booked.id, MoveRequest(start=at(14)))
    assert (moved.start_utc, moved.end_utc) == (at(14), at(14, 30)), "the length is kept"
    assert (moved.provider_id, moved.room_id) == (ids["ayse"], ids["room1"])
    resized = appointments.move(db, ctx, booked.id, MoveRequest(end=at(15)))
    assert (resized.start_utc, resized.end_utc) == (at(14), at(15))
    other = appointments.move(db, ctx, booked.id, MoveRequest(provider_id=ids["mehmet"]))
    assert (other.provider_name, other.room_id) == ("Dr Mehmet", ids["room1"])
    roomless = appointments.move(db, ctx, booked.id, MoveRequest(room_id=None))
    assert roomless.room_id is None and roomless.room_name is None
    assert MoveRequest().room_id is KEEP


def test_a_clash_is_refused_unless_overridden_by_a_manager(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    desk = actor_ctx("receptionist", ctx.clock, "desk-1")
    manager = actor_ctx("manager", ctx.clock, "boss-1")
    book(db, ctx, ids)
    later = book(db, ctx, ids, patient_id=ids["omar"], start=at(11))
    onto = MoveRequest(start=at(10, 15))
    with pytest.raises(ConflictError) as raised:
        appointments.move(db, desk, later.id, onto)
    assert "another appointment" in str(raised.value)
    assert appointments.show(db, ctx, later.id) == later, "nothing was written"
    with pytest.raises(PermissionDenied):
        appointments.move(db, desk, later.id, dataclasses.replace(onto, override_reason="Asked"))
    moved = appointments.move(
        db, manager, later.id, dataclasses.replace(onto, override_reason="Agreed with Dr Ayşe")
    )
    assert moved.start_utc == at(10, 15) and moved.override_reason == "Agreed with Dr Ayşe"
    clean = appointments.move(db, manager, later.id, MoveRequest(start=at(16)))
    assert clean.override_reason == "", "a move to a clean time clears the override"


def test_the_dry_run_finds_the_clash_the_move_would_meet_and_writes_nothing(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    """The drag's check: the same draft and rules as the move itself, so a room move
    still checks the patient's own appointments."""
    book(db, ctx, ids, provider_id=ids["mehmet"], start=at(9, 30))
    mine = book(db, ctx, ids, start=at(12), room_id=ids["room1"])
    events = count(db, AuditEvent)
    found = appointments.check_move(db, ctx, mine.id, MoveRequest(start=at(9, 15)))
    assert len(found) == 1 and "patient has another appointment" in found[0]
    by_room = MoveRequest(start=at(9, 15), room_id=ids["room2"])
    assert appointments.check_move(db, ctx, mine.id, by_room) == found
    assert appointments.check_move(db, ctx, mine.id, MoveRequest(start=at(13))) == []
    assert count(db, AuditEvent) == events
    assert appointments.show(db, ctx, mine.id) == mine
    with pytest.raises(ConflictError):
        appointments.move(db, ctx, mine.id, MoveRequest(start=at(9, 15)))


def test_a_finished_appointment_cannot_be_moved(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids)
    appointments.cancel(db, ctx, booked.id, "Called")
    with pytest.raises(Exception, match="cannot be moved"):
        appointments.move(db, ctx, booked.id, MoveRequest(start=at(14)))


# -- status, cancel and the listings -------------------------------------------------------


def test_status_and_cancel_give_the_appointment_as_it_is_now(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, start=at(10, day=1))
    assert appointments.set_status(db, ctx, booked.id, "confirmed").status == "confirmed"
    cancelled = appointments.cancel(db, ctx, booked.id, "Patient called")
    assert (cancelled.status, cancelled.cancellation_reason) == ("cancelled", "Patient called")
    with pytest.raises(ValidationError):
        appointments.cancel(db, ctx, book(db, ctx, ids).id, "   ")


def test_days_lists_the_clinics_local_days(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    late = book(db, ctx, ids, start=at(17, 30))  # Monday in Istanbul, Monday in UTC
    early = book(db, ctx, ids, start=at(9, day=1))  # Tuesday 06:00 UTC
    gone = book(db, ctx, ids, start=at(11, day=1))
    appointments.cancel(db, ctx, gone.id, "Called")
    monday = appointments.days(db, ctx)  # the clock says Monday 10:00 in Istanbul
    assert [a.id for a in monday] == [late.id]
    assert [a.id for a in appointments.days(db, ctx, date(2026, 3, 3))] == [early.id]
    both = appointments.days(db, ctx, date(2026, 3, 2), 2, include_inactive=True)
    assert [a.id for a in both] == [late.id, early.id, gone.id]
    assert appointments.days(db, ctx, date(2026, 3, 3), provider_id=ids["mehmet"]) == []
    window = appointments.between(db, ctx, at(9, day=1), at(12, day=1), include_inactive=True)
    assert [a.id for a in window] == [early.id, gone.id]


@pytest.mark.parametrize(
    ("first", "days", "field"),
    [
        (date(1899, 12, 31), 1, "date"),
        (date(2200, 12, 31), 2, "days"),
        (date(2026, 3, 2), 0, "days"),
    ],
)
def test_days_refuses_a_stretch_out_of_range(
    db: Database, ctx: Ctx, ids: dict[str, str], first: date, days: int, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        appointments.days(db, ctx, first, days)
    assert raised.value.field == field


def test_a_patients_appointments_from_a_day_on(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    before = book(db, ctx, ids, start=at(10, day=-7))
    after = book(db, ctx, ids, start=at(10, day=7))
    appointments.cancel(db, ctx, after.id, "Called")
    book(db, ctx, ids, patient_id=ids["omar"], start=at(12, day=7))
    found = appointments.of_patient(db, ctx, ids["zeynep"], at(0))
    assert [(a.id, a.status) for a in found] == [(after.id, "cancelled")]
    assert len(appointments.of_patient(db, ctx, ids["zeynep"], at(0, day=-8))) == 2
    assert before.id in {
        a.id for a in appointments.of_patient(db, ctx, ids["zeynep"], at(0, day=-8))
    }


def test_reading_needs_a_role_that_sees_the_schedule(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids)
    nobody = actor_ctx("cleaner", ctx.clock)
    with pytest.raises(PermissionDenied):
        appointments.show(db, nobody, booked.id)
    with pytest.raises(PermissionDenied):
        appointments.check_move(db, nobody, booked.id, MoveRequest(start=at(14)))


def test_a_booking_in_the_past_is_saved_and_audited(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    """A walk-in entered afterwards is a real case: booked, and the log says it was late."""

    def past_events() -> int:
        with db.read() as s:
            query = select(func.count()).where(AuditEvent.action == booking.BOOKED_IN_THE_PAST)
            return int(s.scalar(query.select_from(AuditEvent)) or 0)

    now = ctx.clock.now()
    book(db, ctx, ids, start=now + timedelta(days=1))
    assert past_events() == 0
    earlier = book(
        db, ctx, ids, start=(now - timedelta(minutes=30)).replace(second=0, microsecond=0)
    )
    assert past_events() == 1
    with db.read() as s:
        event = s.scalars(
            select(AuditEvent).where(AuditEvent.action == booking.BOOKED_IN_THE_PAST)
        ).one()
    assert event.entity_id == earlier.id


def test_check_book_says_why_without_writing(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    book(db, ctx, ids)
    taken = BookRequest(ids["omar"], ids["ayse"], ids["exam"], at(10, 15))
    before = count(db, Appointment)
    reasons = appointments.check_book(db, ctx, taken)
    assert reasons and all(isinstance(r, str) and r for r in reasons)
    assert count(db, Appointment) == before
    assert appointments.check_book(db, ctx, dataclasses.replace(taken, start=at(14))) == []


# -- undo and taking a no-show back (issue #16) -------------------------------------------


def last_action(db: Database) -> str:
    with db.read() as s:
        return str(s.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1)))


def test_a_status_change_is_undone_audited_and_fed(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids)
    with db.read() as s:
        feed_before = changefeed.last_seq(s)
    done = undo.mark(db, ctx, booked.id, "arrived")
    assert done.appointment.status == "arrived" and done.undo is not None
    back = undo.undo(db, ctx, done.undo)
    assert back.status == "booked"
    with db.read() as s:
        appt = s.get(Appointment, booked.id)
        assert appt is not None and appt.arrived_at is None
        fed = [(c.entity, c.row_id) for c in changefeed.after(s, feed_before)]
    assert last_action(db) == "undo_status"
    assert fed[-1] == ("appointment", booked.id)


def test_an_undo_is_refused_once_the_appointment_changed_again(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids)
    done = undo.set_status(db, ctx, booked.id, "arrived")
    appointments.set_status(db, ctx, booked.id, "in_room")
    assert done.undo is not None
    with pytest.raises(IllegalTransition, match="changed again since"):
        undo.undo(db, ctx, done.undo)
    assert appointments.show(db, ctx, booked.id).status == "in_room"


def test_an_undo_is_refused_after_its_window(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids)
    done = undo.set_status(db, ctx, booked.id, "confirmed")
    assert done.undo is not None
    clock.advance(seconds=undo.UNDO_WINDOW.total_seconds() + 1)
    with pytest.raises(IllegalTransition, match="can no longer be undone"):
        undo.undo(db, ctx, done.undo)


def test_a_cancel_is_undone_while_its_time_is_free(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, start=at(11))
    done = undo.cancel(db, ctx, booked.id, "Asked to")
    assert done.undo is not None
    back = undo.undo(db, ctx, done.undo)
    assert (back.status, back.cancellation_reason) == ("booked", "")
    assert last_action(db) == "undo_cancel"
    again = undo.set_status(db, ctx, booked.id, "cancelled", "Asked to")
    clock.advance(minutes=1)
    book(db, ctx, ids, start=at(11), patient_id=ids["omar"])  # the time is given away
    assert again.undo is not None
    with pytest.raises(ConflictError, match="cannot be undone"):
        undo.undo(db, ctx, again.undo)
    assert appointments.show(db, ctx, booked.id).status == "cancelled"


def test_a_booking_synced_since_blocks_an_undo_though_its_clock_was_behind(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    """What came after the change is decided by the change feed's order (this PC's
    commit order), not by ``updated_at``: another PC's clock may be behind."""
    booked = book(db, ctx, ids, start=at(11))
    done = undo.cancel(db, ctx, booked.id, "Asked to")
    assert done.undo is not None
    clock.advance(minutes=1)
    with db.read() as s:
        mine = s.get(Appointment, booked.id)
        assert mine is not None
        values = {c: getattr(mine, c) for c in changefeed.synced_columns(Appointment)}
    behind = mine.updated_at - timedelta(hours=1)  # the other PC's clock is an hour slow
    values |= {
        "id": "0a0a0a0a-1111-2222-3333-444444444444",
        "patient_id": ids["omar"],
        "status": "booked",
        "cancellation_reason": "",
        "version": 1,
        "created_at": behind,
        "updated_at": behind,
    }
    with db.write() as s, changefeed.applying(s, "device-pc2"):
        assert changefeed.upsert(s, Appointment, values) is not None
    with pytest.raises(ConflictError, match="cannot be undone"):
        undo.undo(db, ctx, done.undo)
    assert appointments.show(db, ctx, booked.id).status == "cancelled"


def test_a_move_is_undone(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    booked = book(db, ctx, ids, start=at(11))
    done = undo.move(db, ctx, booked.id, MoveRequest(start=at(14), provider_id=ids["mehmet"]))
    assert (done.appointment.start_utc, done.appointment.provider_id) == (at(14), ids["mehmet"])
    assert done.undo is not None
    back = undo.undo(db, ctx, done.undo)
    assert (back.start_utc, back.end_utc, back.provider_id) == (at(11), at(11, 30), ids["ayse"])
    assert last_action(db) == "undo_move"
    same = undo.move(db, ctx, booked.id, MoveRequest(start=at(11)))
    assert same.undo is None  # nothing changed: nothing to undo


def test_an_undo_needs_the_role_of_the_change(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    booked = book(db, ctx, ids)
    done = undo.cancel(db, ctx, booked.id, "Asked to")
    assert done.undo is not None
    with pytest.raises(PermissionDenied):
        undo.undo(db, actor_ctx("cleaner", ctx.clock), done.undo)


def test_a_no_show_is_taken_back_the_same_day_while_its_slot_is_free(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, start=at(9))  # it is 10:00: late
    appointments.set_status(db, ctx, booked.id, "no_show")
    back = appointments.set_status(db, ctx, booked.id, "booked")
    assert back.status == "booked"
    assert last_action(db) == "take_back"


def test_a_no_show_whose_slot_was_rebooked_stays_a_no_show(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, start=at(9))
    appointments.set_status(db, ctx, booked.id, "no_show")
    clock.advance(minutes=5)
    book(db, ctx, ids, start=at(9), patient_id=ids["omar"])  # a walk-in took the time
    with pytest.raises(IllegalTransition, match="cannot be taken back"):
        appointments.set_status(db, ctx, booked.id, "booked")
    assert appointments.show(db, ctx, booked.id).status == "no_show"


def test_a_no_show_of_another_day_is_not_taken_back(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, start=at(9))
    appointments.set_status(db, ctx, booked.id, "no_show")
    clock.advance(days=1)
    with pytest.raises(IllegalTransition, match="only on its own day"):
        appointments.set_status(db, ctx, booked.id, "booked")
    assert appointments.show(db, ctx, booked.id).status == "no_show"


def test_a_clash_older_than_the_no_show_does_not_keep_it_from_coming_back(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    booked = book(db, ctx, ids, start=at(9))
    book(db, ctx, ids, start=at(9, 15), patient_id=ids["omar"], override_reason="Squeezed in")
    clock.advance(minutes=20)
    appointments.set_status(db, ctx, booked.id, "no_show")
    assert appointments.set_status(db, ctx, booked.id, "booked").status == "booked"


def test_an_override_does_not_let_an_undo_land_on_a_time_booked_since(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    """The reason an appointment was once booked over the hours covers the hours, not
    a patient booked into its old time after it moved away."""
    late = book(db, ctx, ids, start=at(18), patient_id=ids["omar"], override_reason="After hours")
    done = undo.move(db, ctx, late.id, MoveRequest(start=at(14)))
    assert done.undo is not None and done.appointment.override_reason == ""
    clock.advance(minutes=1)
    taker = book(db, ctx, ids, start=at(18), override_reason="Only time she can")
    with pytest.raises(ConflictError, match="cannot be undone"):
        undo.undo(db, ctx, done.undo)
    assert appointments.show(db, ctx, late.id).start_utc == at(14)
    appointments.cancel(db, ctx, taker.id, "Asked to")
    back = undo.undo(db, ctx, done.undo)  # the hours alone: the kept reason still holds
    assert (back.start_utc, back.override_reason) == (at(18), "After hours")


def test_an_override_covers_a_block_that_was_there_but_not_one_added_since(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    def block(start: datetime) -> None:
        with db.write() as s:
            blocked.add_blocked_time(
                s, ctx, start=start, end=start + timedelta(hours=1), provider_id=ids["ayse"]
            )

    block(at(15))
    over = book(db, ctx, ids, start=at(15), override_reason="Fits before the meeting")
    done = undo.move(db, ctx, over.id, MoveRequest(start=at(11)))
    assert done.undo is not None
    back = undo.undo(db, ctx, done.undo)  # the block lived beside it before: it may again
    assert (back.start_utc, back.override_reason) == (at(15), "Fits before the meeting")
    clock.advance(minutes=1)
    again = undo.move(db, ctx, over.id, MoveRequest(start=at(11)))
    clock.advance(minutes=1)
    block(at(15, 20))  # time off added after the move away
    assert again.undo is not None
    with pytest.raises(ConflictError, match="cannot be undone"):
        undo.undo(db, ctx, again.undo)
