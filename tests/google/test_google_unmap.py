"""A provider's calendar mapping removed (the events sent stay in Google, what this PC
knew of them is dropped, the blocked time read from the calendar goes; mapped again,
nothing is duplicated), and two providers' calendars swapped in one step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from factories import make_provider
from googlekit import CALENDAR, Clinic
from sqlalchemy import func, select

from receptionist.errors import NotFound, ValidationError
from receptionist.google import calendars
from receptionist.google.eventbody import event_id
from receptionist.models import AuditEvent, BlockedTime, GoogleBlock, GoogleLink
from receptionist.schedule import booking

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
TUESDAY_8 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
OTHER = "emre@group.calendar.google.com"
HOUR = timedelta(hours=1)
X = "x@group.calendar.google.com"


def live_blocks(clinic: Clinic, provider: str) -> list[BlockedTime]:
    with clinic.db.read() as s:
        query = select(BlockedTime).where(
            BlockedTime.provider_id == clinic.ids[provider], BlockedTime.deleted_at.is_(None)
        )
        return list(s.scalars(query))


def count(clinic: Clinic, model: object) -> int:
    with clinic.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]


def test_unmapping_leaves_the_events_and_a_remap_makes_no_duplicate(clinic: Clinic) -> None:
    appt = clinic.book(MONDAY_10)
    own = clinic.google.add_event(CALENDAR, "School run", TUESDAY_8, TUESDAY_8 + HOUR)["id"]
    done = clinic.round()
    assert (done.counts.created, done.counts.blocked) == (1, 1)
    assert len(live_blocks(clinic, "ayse")) == 1
    audited = count(clinic, AuditEvent)

    gone = calendars.unmap(clinic.db, clinic.ctx, "Ayşe")
    assert (gone.provider, gone.calendar_id, gone.links, gone.blocks) == (
        "Dr Ayşe", CALENDAR, 1, 1,
    )  # fmt: skip
    assert live_blocks(clinic, "ayse") == []  # Google's events no longer block the desk
    assert count(clinic, GoogleLink) == count(clinic, GoogleBlock) == 0
    with clinic.db.read() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.seq > audited))
        assert "google_unmap" in list(actions)
    requests = clinic.google.api_requests
    after = clinic.round()
    assert (after.counts.deleted, after.counts.created) == (0, 0)
    assert clinic.google.api_requests == requests  # no calendar left to read or write
    assert {e["id"] for e in clinic.google.live(CALENDAR)} == {own, event_id(appt)}  # left

    calendars.map_provider(clinic.db, clinic.ctx, "Ayşe", CALENDAR)
    again = clinic.round()
    assert again.counts.errors == 0 and again.counts.blocked == 1
    assert {e["id"] for e in clinic.google.live(CALENDAR)} == {own, event_id(appt)}  # once
    assert len(live_blocks(clinic, "ayse")) == 1


def test_unmapping_an_unmapped_or_unknown_provider_is_refused(clinic: Clinic) -> None:
    calendars.unmap(clinic.db, clinic.ctx, "Ayşe")
    with pytest.raises(ValidationError, match="has no Google calendar") as refused:
        calendars.unmap(clinic.db, clinic.ctx, "Ayşe")
    assert refused.value.field == "provider"
    with pytest.raises(NotFound):
        calendars.unmap(clinic.db, clinic.ctx, "Nobody")


def with_emre(clinic: Clinic) -> str:
    """Dr Emre, mapped to OTHER, with an appointment; its id."""
    with clinic.db.write() as s:
        clinic.ids["emre"] = make_provider(s, clinic.ctx, "Dr Emre").id
        appt = booking.book(
            s, clinic.ctx, patient_id=clinic.ids["p2"], provider_id=clinic.ids["emre"],
            service_id=clinic.ids["checkup"], start=MONDAY_10, override_reason="test",
        )  # fmt: skip
    calendars.map_provider(clinic.db, clinic.ctx, "Emre", OTHER)
    return appt.id


def test_two_providers_swap_calendars_in_one_step(clinic: Clinic) -> None:
    ayse, emre = clinic.book(MONDAY_10), with_emre(clinic)
    own = clinic.google.add_event(CALENDAR, "Conference", TUESDAY_8, TUESDAY_8 + HOUR)["id"]
    clinic.round()
    assert len(live_blocks(clinic, "ayse")) == 1
    with pytest.raises(ValidationError, match="another provider's"):
        calendars.map_provider(clinic.db, clinic.ctx, "Ayşe", OTHER)  # one at a time: no
    assert {m.provider: m.calendar_id for m in calendars_now(clinic)} == {
        "Dr Ayşe": CALENDAR, "Dr Emre": OTHER,
    }  # fmt: skip

    calendars.map_many(clinic.db, clinic.ctx, {"Ayşe": OTHER, "Emre": CALENDAR})
    assert {m.provider: m.calendar_id for m in calendars_now(clinic)} == {
        "Dr Ayşe": OTHER, "Dr Emre": CALENDAR,
    }  # fmt: skip
    done = clinic.round()
    assert done.counts.errors == 0
    assert [e["id"] for e in clinic.google.live(OTHER)] == [event_id(ayse)]
    assert {e["id"] for e in clinic.google.live(CALENDAR)} == {own, event_id(emre)}
    # the calendar's own event now blocks the provider whose calendar it is
    assert live_blocks(clinic, "ayse") == []
    assert len(live_blocks(clinic, "emre")) == 1


def test_a_calendar_for_two_providers_is_refused_whole(clinic: Clinic) -> None:
    with_emre(clinic)
    with pytest.raises(ValidationError, match="another provider's"):
        calendars.map_many(clinic.db, clinic.ctx, {"Ayşe": X, "Emre": X})
    with pytest.raises(NotFound):  # a swap with a provider not found: none of it
        calendars.map_many(clinic.db, clinic.ctx, {"Ayşe": OTHER, "Emre": CALENDAR, "Nobody": X})
    assert {m.provider: m.calendar_id for m in calendars_now(clinic)} == {
        "Dr Ayşe": CALENDAR, "Dr Emre": OTHER,
    }  # fmt: skip


def calendars_now(clinic: Clinic) -> list[calendars.Mapping]:
    with clinic.db.read() as s:
        return calendars.mappings(s)


def test_a_provider_unmapped_during_a_round_ends_the_round_cleanly(clinic: Clinic) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.google.before_next("insert", lambda: calendars.unmap(clinic.db, clinic.ctx, "Ayşe"))
    done = clinic.round()  # the insert was on its way: it lands, and is left there
    assert done.status == "ok" and done.counts.errors == 0
    assert count(clinic, GoogleLink) == 0  # no link made again for an unmapped provider
    assert [e["id"] for e in clinic.google.live(CALENDAR)] == [event_id(appt)]
    assert clinic.round().counts.created == 0
