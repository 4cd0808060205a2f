"""The waitlist: adding and removing (audited, by id only) and who fits a freed slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from factories import (
    actor_ctx,
    make_patients,
    make_provider,
    make_service,
    make_small_clinic,
    weekdays,
)
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, ValidationError
from receptionist.models import AuditEvent, WaitlistEntry
from receptionist.schedule import booking, waitlist
from receptionist.store.storage import Database

IST = ZoneInfo("Europe/Istanbul")
MONDAY = date(2026, 3, 2)


def local(hhmm: str, day: date = MONDAY) -> datetime:
    h, m = (int(x) for x in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=IST).astimezone(UTC)


@pytest.fixture
def ids(db: Database, ctx: Ctx) -> dict[str, str]:
    with db.write() as s:
        found = make_small_clinic(s, ctx, weekdays(("08:00", "18:00")))
        found["omar"] = make_provider(s, ctx, "Dr Omar").id
        found["check"] = make_service(s, ctx, "Check-up", 30).id
        found["long"] = make_service(s, ctx, "Surgery", 90).id
        make_patients(s, ctx.clock.now(), (3, 4))
    return found


def test_add_is_audited_by_id_only(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        entry = waitlist.add(
            s, ctx, patient_id="p1", service_id=ids["check"], note="Mornings please",
            times_of_day=["morning"], weekdays=["fri", "mon"],
        )  # fmt: skip
        entry_id = entry.id
    with db.read() as s:
        row = s.get(WaitlistEntry, entry_id)
        assert row is not None and row.weekdays == ["mon", "fri"] and row.status == "active"
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        assert (event.action, event.entity_type, event.entity_id) == (
            "create",
            "waitlist_entry",
            entry_id,
        )
        assert "Mornings" not in repr(vars(event))


def test_add_checks_its_input(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s, pytest.raises(ValidationError, match="before the first"):
        waitlist.add(
            s, ctx, patient_id="p1", service_id=ids["check"],
            earliest=date(2026, 3, 5), latest=date(2026, 3, 4),
        )  # fmt: skip
    with db.write() as s, pytest.raises(ValidationError, match="weekdays"):
        waitlist.add(s, ctx, patient_id="p1", service_id=ids["check"], weekdays=["someday"])
    with db.write() as s, pytest.raises(ValidationError, match="Priority"):
        waitlist.add(s, ctx, patient_id="p1", service_id=ids["check"], priority=7)


def test_permissions(db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]) -> None:
    provider = actor_ctx("provider", clock)
    with db.write() as s, pytest.raises(PermissionDenied):
        waitlist.add(s, provider, patient_id="p1", service_id=ids["check"])
    with db.write() as s:
        entry_id = waitlist.add(s, ctx, patient_id="p1", service_id=ids["check"]).id
    with db.write() as s, pytest.raises(PermissionDenied):
        waitlist.remove(s, provider, entry_id)
    with db.read() as s:
        assert [r.id for r in waitlist.list_entries(s, provider)] == [entry_id]
    with db.read() as s, pytest.raises(PermissionDenied):
        waitlist.list_entries(s, actor_ctx("nobody", clock))


def test_remove_leaves_the_list(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    with db.write() as s:
        gone = waitlist.add(s, ctx, patient_id="p1", service_id=ids["check"]).id
        booked = waitlist.add(s, ctx, patient_id="p2", service_id=ids["check"]).id
    with db.write() as s:
        waitlist.remove(s, ctx, gone)
        waitlist.remove(s, ctx, booked, booked=True)
        waitlist.remove(s, ctx, gone)  # twice is harmless
    with db.read() as s:
        assert waitlist.list_entries(s, ctx) == []
        statuses = {r.id: r.status for r in waitlist.list_entries(s, ctx, active_only=False)}
        assert statuses == {gone: "removed", booked: "booked"}
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions[-2:] == ["waitlist_removed", "waitlist_booked"]
    with db.write() as s, pytest.raises(ValidationError, match="no longer"):
        waitlist.remove(s, ctx, gone, booked=True)


def test_candidates_best_first(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    check, ayse = ids["check"], ids["ayse"]
    with db.write() as s:
        old = waitlist.add(s, ctx, patient_id="p1", service_id=check).id
        clock.advance(minutes=1)
        urgent = waitlist.add(s, ctx, patient_id="p2", service_id=ids["long"], priority=2).id
        mine = waitlist.add(s, ctx, patient_id="p3", service_id=check, provider_id=ayse).id
        other = waitlist.add(s, ctx, patient_id="p4", service_id=check, provider_id=ids["omar"])
        assert other.id
    start, end = local("14:00"), local("16:00")
    with db.read() as s:
        found = [c.id for c in waitlist.candidates_for(s, ctx, start, end, ayse, check)]
    # urgent first; then the same service for this provider; then the longest waiting
    assert found == [urgent, mine, old]


def test_candidates_respect_wishes(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    check, ayse = ids["check"], ids["ayse"]
    with db.write() as s:
        mornings = waitlist.add(s, ctx, patient_id="p1", service_id=check, times_of_day=["morning"])
        fridays = waitlist.add(s, ctx, patient_id="p2", service_id=check, weekdays=["fri"])
        later = waitlist.add(
            s, ctx, patient_id="p3", service_id=check, earliest=MONDAY + timedelta(days=1)
        )
        too_long = waitlist.add(s, ctx, patient_id="p4", service_id=ids["long"])
    ids_of = {mornings.id: "mornings", fridays.id: "fridays", later.id: "later"}
    ids_of[too_long.id] = "too_long"

    def fits(start: datetime, minutes: int = 30) -> set[str]:
        with db.read() as s:
            end = start + timedelta(minutes=minutes)
            return {ids_of[c.id] for c in waitlist.candidates_for(s, ctx, start, end, ayse)}

    assert fits(local("11:00")) == {"mornings"}
    assert fits(local("15:00")) == set()
    assert fits(local("11:00", MONDAY + timedelta(days=4))) == {"mornings", "fridays", "later"}
    assert fits(local("15:00", MONDAY + timedelta(days=1)), 90) == {"later", "too_long"}
    assert fits(local("08:00")) == set()  # already over at 10:00


def test_candidates_after_a_cancel(db: Database, ctx: Ctx, ids: dict[str, str]) -> None:
    check, ayse = ids["check"], ids["ayse"]
    with db.write() as s:
        cancelled = booking.book(
            s, ctx, patient_id="p1", provider_id=ayse, service_id=check, start=local("11:00")
        )
        busy = booking.book(
            s, ctx, patient_id="p3", provider_id=ids["omar"], service_id=check,
            start=local("11:00"),
        )  # fmt: skip
        booking.cancel(s, ctx, cancelled.id, "The patient asked to cancel")
        own = waitlist.add(s, ctx, patient_id="p1", service_id=check).id
        fits = waitlist.add(s, ctx, patient_id="p2", service_id=check).id
        waitlist.add(s, ctx, patient_id="p3", service_id=check)  # busy at that time
        assert busy.id and own
        appointment_id = cancelled.id
    with db.read() as s:
        freed = waitlist.candidates_for_appointment(s, ctx, appointment_id)
    assert [c.id for c in freed.candidates] == [fits]
    assert freed.candidates[0].patient_name == "A B"
    assert (freed.provider_name, freed.service_name) == ("Dr Ayşe", "Check-up")
    assert freed.start_utc == local("11:00")
    assert (freed.provider_id, freed.service_id) == (ayse, check)


def test_update_changes_an_active_entry_audited(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    with db.write() as s:
        entry_id = waitlist.add(s, ctx, patient_id="p1", service_id=ids["check"]).id
    with db.write() as s:
        waitlist.update(
            s, ctx, entry_id, patient_id="p1", service_id=ids["long"], provider_id=ids["omar"],
            earliest=MONDAY, latest=MONDAY + timedelta(days=7), times_of_day=["evening"],
            weekdays=["tue"], note="After work", priority=1,
        )  # fmt: skip
    with db.read() as s:
        (row,) = waitlist.list_entries(s, ctx)
        assert (row.id, row.service_id, row.provider_id) == (entry_id, ids["long"], ids["omar"])
        assert (row.times_of_day, row.weekdays, row.note, row.priority) == (
            ("evening",), ("tue",), "After work", 1,
        )  # fmt: skip
        assert (row.earliest_date, row.latest_date) == (MONDAY, MONDAY + timedelta(days=7))
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())))
        assert (events[0].action, events[0].entity_id) == ("update", entry_id)
        assert "After work" not in repr(vars(events[0]))
        count = len(events)
    with db.write() as s:  # the same values again: no write, no event
        waitlist.update(
            s, ctx, entry_id, patient_id="p1", service_id=ids["long"], provider_id=ids["omar"],
            earliest=MONDAY, latest=MONDAY + timedelta(days=7), times_of_day=["evening"],
            weekdays=["tue"], note="After work", priority=1,
        )  # fmt: skip
    with db.read() as s:
        assert len(list(s.scalars(select(AuditEvent)))) == count


def test_update_checks_input_state_and_role(
    db: Database, clock: FixedClock, ctx: Ctx, ids: dict[str, str]
) -> None:
    with db.write() as s:
        entry_id = waitlist.add(s, ctx, patient_id="p1", service_id=ids["check"]).id
    with db.write() as s, pytest.raises(ValidationError, match="before the first"):
        waitlist.update(
            s, ctx, entry_id, patient_id="p1", service_id=ids["check"],
            earliest=date(2026, 3, 5), latest=date(2026, 3, 4),
        )  # fmt: skip
    with db.write() as s, pytest.raises(PermissionDenied):
        waitlist.update(
            s, actor_ctx("provider", clock), entry_id, patient_id="p1", service_id=ids["check"]
        )
    with db.write() as s:
        waitlist.remove(s, ctx, entry_id)
    with db.write() as s, pytest.raises(ValidationError, match="no longer"):
        waitlist.update(s, ctx, entry_id, patient_id="p1", service_id=ids["check"], note="x")


def test_booking_a_candidate_marks_the_entry_booked(
    db: Database, ctx: Ctx, ids: dict[str, str]
) -> None:
    check, ayse = ids["check"], ids["ayse"]
    with db.write() as s:
        entry_id = waitlist.add(s, ctx, patient_id="p2", service_id=check, provider_id=ayse).id
        other = booking.book(
            s, ctx, patient_id="p3", provider_id=ayse, service_id=check, start=local("10:00")
        ).id
        mine = booking.book(
            s, ctx, patient_id="p2", provider_id=ayse, service_id=check, start=local("11:00")
        ).id
    with db.read() as s:
        found = waitlist.candidate(s, ctx, entry_id)
    assert (found.entry.id, found.entry.service_id, found.entry.provider_id) == (
        entry_id, check, ayse,
    )  # fmt: skip
    assert (found.patient.id, found.patient.display_name) == ("p2", "A B")
    with db.write() as s:  # somebody else was booked in the end: the entry stays
        assert waitlist.mark_booked(s, ctx, entry_id, other) is None
    with db.write() as s:
        marked = waitlist.mark_booked(s, ctx, entry_id, mine)
        assert marked is not None and marked.status == "booked"
    with db.read() as s:
        assert waitlist.list_entries(s, ctx) == []
        event = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None and (event.action, event.entity_id) == (
            "waitlist_booked", entry_id,
        )  # fmt: skip
    with db.read() as s, pytest.raises(ValidationError, match="no longer"):
        waitlist.candidate(s, ctx, entry_id)
    with db.write() as s:  # marked again (two desks): already off the list, no error
        assert waitlist.mark_booked(s, ctx, entry_id, mine) is None
