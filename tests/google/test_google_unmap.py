"""A provider's calendar mapping removed (the events sent stay in Google, what this PC
knew of them is dropped, the blocked time read from the calendar goes; mapped again,
nothing is duplicated)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import CALENDAR, Clinic
from sqlalchemy import func, select

from receptionist.errors import NotFound, ValidationError
from receptionist.google import calendars
from receptionist.google.eventbody import event_id
from receptionist.models import AuditEvent, BlockedTime, GoogleBlock, GoogleLink

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
