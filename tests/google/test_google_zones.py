"""Events carry the clinic's zone and land at the same instant both ways: London
across both daylight-saving changes, Istanbul, and an appointment near midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakegoogle import FakeGoogle
from googlekit import CALENDAR, Clinic, make

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.google import status as google_status
from receptionist.google.eventbody import event_id
from receptionist.store.storage import Database

# (zone, the appointment's start in UTC, the wall time with offset Google must show)
CASES = [
    ("Europe/London", datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "2026-03-28T23:30:00+00:00"),
    ("Europe/London", datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "2026-03-29T02:30:00+01:00"),
    ("Europe/London", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25T01:30:00+01:00"),
    ("Europe/London", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "2026-10-25T01:30:00+00:00"),
    ("Europe/Istanbul", datetime(2026, 3, 29, 20, 45, tzinfo=UTC), "2026-03-29T23:45:00+03:00"),
    ("Europe/Istanbul", datetime(2026, 7, 1, 21, 0, tzinfo=UTC), "2026-07-02T00:00:00+03:00"),
]


@pytest.mark.parametrize(("tz", "start", "shown"), CASES)
def test_an_event_shows_the_clinics_wall_time_and_comes_back_unmoved(
    db: Database,
    ctx: Ctx,
    clock: FixedClock,
    google: FakeGoogle,
    tz: str,
    start: datetime,
    shown: str,
) -> None:
    clinic = make(db, ctx, clock, google, tz)
    appt = clinic.book(start)
    clinic.round()
    event = clinic.event_of(appt)
    assert event["start"] == {"dateTime": shown, "timeZone": tz}
    end = datetime.fromisoformat(event["end"]["dateTime"])
    assert end - datetime.fromisoformat(shown) == timedelta(minutes=30)
    google.edit_event(CALENDAR, event_id(appt), description="seen on the phone")
    done = clinic.round()
    assert done.counts.conflicts == 0, "the same instant read back is no move"
    assert google_status.status(db).decisions == []


def test_a_move_in_google_to_the_repeated_autumn_hour_is_read_at_the_right_instant(
    clinic: Clinic,
) -> None:
    appt = clinic.book(datetime(2026, 10, 24, 9, 0, tzinfo=UTC))
    clinic.round()
    second = datetime.fromisoformat("2026-10-25T01:15:00+00:00")  # the second 01:15 in London
    clinic.google.move_event(CALENDAR, event_id(appt), second, second + timedelta(minutes=30))
    clinic.round()
    [decision] = google_status.status(clinic.db).decisions
    assert decision.proposed_start == datetime(2026, 10, 25, 1, 15, tzinfo=UTC)


def test_an_all_day_event_blocks_the_day_in_the_clinics_zone(clinic: Clinic) -> None:
    from receptionist.ops import timeoff

    clinic.google.add_event(CALENDAR, "Holiday", datetime(2026, 7, 1), datetime(2026, 7, 2))
    with clinic.google.lock:  # an all-day event has dates, not times
        [event] = clinic.google.events[CALENDAR].values()
        event["start"], event["end"] = {"date": "2026-07-01"}, {"date": "2026-07-02"}
    clinic.round()
    found = timeoff.listing(
        clinic.db,
        clinic.ctx,
        start="2026-06-30 00:00",
        end="2026-07-03 00:00",
        provider_id=clinic.ids["ayse"],
    )
    assert [(b.start_utc, b.end_utc) for b in found] == [
        (datetime(2026, 6, 30, 23, 0, tzinfo=UTC), datetime(2026, 7, 1, 23, 0, tzinfo=UTC))
    ]
