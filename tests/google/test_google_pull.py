"""Reading providers' calendars back: their own events block time, our events deleted
or moved in Google go to the desk, 410 and paging lose and duplicate nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from googlekit import CALENDAR, Clinic
from sqlalchemy import func, select

from receptionist.errors import ReceptionistError
from receptionist.google import status as google_status
from receptionist.google.eventbody import event_id
from receptionist.models import Appointment, BlockedTime, GoogleBlock, GoogleLink
from receptionist.ops import timeoff
from receptionist.schedule import booking
from sync.google import pull

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def blocks(clinic: Clinic) -> list[tuple[datetime, datetime, str]]:
    found = timeoff.listing(
        clinic.db,
        clinic.ctx,
        start=MONDAY_10 - timedelta(days=7),
        end=MONDAY_10 + timedelta(days=60),
        provider_id=clinic.ids["ayse"],
    )
    return [(b.start_utc, b.end_utc, b.reason) for b in found]


def test_a_providers_own_event_blocks_booking_and_follows_its_moves_and_deletion(
    clinic: Clinic,
) -> None:
    school = clinic.google.add_event(CALENDAR, "School run", MONDAY_10, MONDAY_10 + HOUR)
    done = clinic.round()
    assert done.counts.blocked == 1
    assert blocks(clinic) == [(MONDAY_10, MONDAY_10 + HOUR, "Google Calendar")], "no title"
    with clinic.db.write() as s, pytest.raises(ReceptionistError):
        booking.book(
            s,
            clinic.ctx,
            patient_id=clinic.ids["p1"],
            provider_id=clinic.ids["ayse"],
            service_id=clinic.ids["checkup"],
            start=MONDAY_10,
        )
    clinic.google.move_event(CALENDAR, school["id"], MONDAY_10 + 2 * HOUR, MONDAY_10 + 3 * HOUR)
    assert clinic.round().counts.blocked == 1
    assert blocks(clinic) == [(MONDAY_10 + 2 * HOUR, MONDAY_10 + 3 * HOUR, "Google Calendar")]
    clinic.google.delete_event(CALENDAR, school["id"])
    clinic.round()
    assert blocks(clinic) == []
    assert clinic.google.requests["insert"] == 0, "a provider's event is never copied back"


def test_titles_are_kept_only_when_the_clinic_allows_and_free_events_block_nothing(
    clinic: Clinic,
) -> None:
    from receptionist.ops import settings as settings_ops

    settings_ops.set_value(clinic.db, clinic.ctx, "google.block_titles", True)
    clinic.google.add_event(CALENDAR, "Conference", MONDAY_10, MONDAY_10 + HOUR)
    clinic.google.add_event(
        CALENDAR, "Reminder", MONDAY_10 + 3 * HOUR, MONDAY_10 + 4 * HOUR, transparency="transparent"
    )
    clinic.round()
    assert blocks(clinic) == [(MONDAY_10, MONDAY_10 + HOUR, "Conference")]


def test_a_weekly_event_blocks_each_week_except_a_cancelled_one(clinic: Clinic) -> None:
    friday = datetime(2026, 3, 13, 13, 0, tzinfo=UTC)
    weeks = clinic.google.add_weekly(CALENDAR, "Clinic closed", friday, 4, weeks=3)
    clinic.round()
    assert [b[0] for b in blocks(clinic)] == [friday + timedelta(weeks=w) for w in range(3)]
    clinic.google.delete_event(CALENDAR, weeks[1]["id"])  # "this event only"
    clinic.round()
    assert [b[0] for b in blocks(clinic)] == [friday, friday + timedelta(weeks=2)]


def test_our_event_deleted_in_google_is_flagged_for_the_desk_never_cancelled_or_put_back(
    clinic: Clinic,
) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.round()
    clinic.google.delete_event(CALENDAR, event_id(appt))
    done = clinic.round()
    assert done.counts.conflicts == 1
    [decision] = google_status.status(clinic.db).decisions
    assert (decision.appointment_id, decision.kind) == (appt, "deleted_in_google")
    with clinic.db.read() as s:
        row = s.get(Appointment, appt)
        assert row is not None and row.status == "booked", "never silently cancelled"
    with clinic.db.write() as s:  # the desk edits the appointment meanwhile
        booking.reschedule(s, clinic.ctx, appt, start=MONDAY_10 + HOUR, override_reason="test")
    again = clinic.round()
    assert (again.counts.created, again.counts.updated, again.counts.conflicts) == (0, 0, 0)
    assert clinic.google.live(CALENDAR) == [], "not put back without a person deciding"


def test_our_event_moved_in_google_is_a_proposed_move_and_the_appointment_stays(
    clinic: Clinic,
) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.round()
    clinic.google.move_event(
        CALENDAR, event_id(appt), MONDAY_10 + 4 * HOUR, MONDAY_10 + 4 * HOUR + timedelta(minutes=30)
    )
    done = clinic.round()
    assert done.counts.conflicts == 1
    [decision] = google_status.status(clinic.db).decisions
    assert decision.kind == "moved_in_google" and decision.proposed_start == MONDAY_10 + 4 * HOUR
    with clinic.db.read() as s:
        row = s.get(Appointment, appt)
        assert row is not None and row.start_utc == MONDAY_10
    assert clinic.round().counts.conflicts == 0, "told once"


def test_a_summary_edited_in_google_is_put_back_the_clinics_data_wins(clinic: Clinic) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.round()
    clinic.google.edit_event(CALENDAR, event_id(appt), summary="Lunch with Zeynep")
    done = clinic.round()
    assert done.counts.updated == 1 and done.counts.conflicts == 0
    assert clinic.event_of(appt)["summary"] == "Appointment – Check-up"


def test_410_in_the_middle_of_paging_reads_again_whole_without_duplicates_or_lost_deletes(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pull, "PAGE_SIZE", 2)
    made = [
        clinic.google.add_event(
            CALENDAR, f"Busy {n}", MONDAY_10 + n * 2 * HOUR, MONDAY_10 + (n * 2 + 1) * HOUR
        )
        for n in range(5)
    ]
    appt = clinic.book(MONDAY_10 + timedelta(days=1))
    clinic.round()
    assert len(blocks(clinic)) == 5
    # Changes while the token is good: one moved, one deleted, two new...
    clinic.google.move_event(CALENDAR, made[0]["id"], MONDAY_10 + 20 * HOUR, MONDAY_10 + 21 * HOUR)
    clinic.google.delete_event(CALENDAR, made[1]["id"])
    for n in (6, 7):
        clinic.google.add_event(
            CALENDAR, f"Busy {n}", MONDAY_10 + n * 2 * HOUR, MONDAY_10 + (n * 2 + 1) * HOUR
        )
    # ...and the token expires between the first page and the second.
    lists = clinic.google.requests["list"]
    clinic.google.before_next("list", lambda: None)
    clinic.google.before_next("list", clinic.google.expire_sync_tokens)
    done = clinic.round()
    assert done.status == "ok" and done.counts.errors == 0
    listed = clinic.google.listed[lists:]
    assert [("syncToken" in q, "pageToken" in q) for q in listed[:3]] == [
        (True, False),
        (True, True),
        (False, False),
    ], "page 1 read, page 2 answered 410, then a whole read"
    starts = sorted(b[0] for b in blocks(clinic))
    assert starts == sorted(
        [MONDAY_10 + 20 * HOUR] + [MONDAY_10 + n * 2 * HOUR for n in (2, 3, 4, 6, 7)]
    )
    with clinic.db.read() as s:
        live = s.scalar(
            select(func.count()).select_from(BlockedTime).where(BlockedTime.deleted_at.is_(None))
        )
        assert live == 6 and s.scalar(select(func.count()).select_from(GoogleBlock)) == 6
        link = s.get(GoogleLink, appt)
        assert link is not None and link.state == "synced", "our own event is no conflict"
    assert len(clinic.google.live(CALENDAR)) == 7, "nothing pushed twice"


def test_an_event_gone_while_the_token_was_expired_is_let_go_at_the_whole_read(
    clinic: Clinic,
) -> None:
    gone = clinic.google.add_event(CALENDAR, "Dentist", MONDAY_10, MONDAY_10 + HOUR)
    clinic.round()
    with clinic.google.lock:  # purged for good: not even a tombstone is listed
        del clinic.google.events[CALENDAR][gone["id"]]
    clinic.google.expire_sync_tokens()
    clinic.round()
    assert blocks(clinic) == []


def test_the_desk_puts_a_deleted_event_back_or_cancels_and_the_flag_goes(clinic: Clinic) -> None:
    from receptionist.google import decisions

    kept, dropped = clinic.book(MONDAY_10), clinic.book(MONDAY_10 + 2 * HOUR)
    clinic.round()
    for appt in (kept, dropped):
        clinic.google.delete_event(CALENDAR, event_id(appt))
    assert clinic.round().counts.conflicts == 2
    decisions.decide(clinic.db, clinic.ctx, kept[:8], "put_back")
    with clinic.db.write() as s:
        booking.cancel(s, clinic.ctx, dropped, "the provider is away")
    clinic.round()
    assert [e["id"] for e in clinic.google.live(CALENDAR)] == [event_id(kept)]
    assert google_status.status(clinic.db).decisions == []
    with pytest.raises(ReceptionistError, match="google status"):
        decisions.decide(clinic.db, clinic.ctx, kept, "put_back")


@pytest.mark.parametrize("key", ["%%%%%%", "______", "%", "'; --"])
def test_a_decision_names_its_appointment_as_everywhere_else(clinic: Clinic, key: str) -> None:
    """The id prefix is found by the core's lookup: a LIKE wildcard matches nothing."""
    from receptionist.errors import ValidationError
    from receptionist.google import decisions

    appt = clinic.book(MONDAY_10)
    clinic.round()
    clinic.google.delete_event(CALENDAR, event_id(appt))
    assert clinic.round().counts.conflicts == 1
    with pytest.raises(ValidationError, match="at least its first 6 characters") as said:
        decisions.decide(clinic.db, clinic.ctx, key, "put_back")
    assert said.value.field == "appointment"
    assert len(google_status.status(clinic.db).decisions) == 1  # still the desk's to decide


def test_the_desk_moves_to_googles_time_or_keeps_its_own(clinic: Clinic) -> None:
    from receptionist.google import decisions

    moved, kept = clinic.book(MONDAY_10), clinic.book(MONDAY_10 + 2 * HOUR)
    clinic.round()
    later = MONDAY_10 + 5 * HOUR
    for appt in (moved, kept):
        clinic.google.move_event(CALENDAR, event_id(appt), later, later + timedelta(minutes=30))
        later += HOUR
    clinic.round()
    with pytest.raises(ReceptionistError, match="move, keep"):
        decisions.decide(clinic.db, clinic.ctx, moved, "put_back")
    decisions.decide(clinic.db, clinic.ctx, moved, "move", "the provider moved it")
    decisions.decide(clinic.db, clinic.ctx, kept, "keep")
    clinic.round()
    with clinic.db.read() as s:
        row = s.get(Appointment, moved)
        assert row is not None and row.start_utc == MONDAY_10 + 5 * HOUR
    assert clinic.event_of(moved)["start"]["dateTime"] == "2026-03-09T15:00:00+00:00"
    assert clinic.event_of(kept)["start"]["dateTime"] == "2026-03-09T12:00:00+00:00", "ours back"
    assert google_status.status(clinic.db).decisions == []


def test_moving_the_appointment_to_googles_time_by_hand_settles_the_proposal(
    clinic: Clinic,
) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.round()
    later = MONDAY_10 + 4 * HOUR
    clinic.google.move_event(CALENDAR, event_id(appt), later, later + timedelta(minutes=30))
    clinic.round()
    with clinic.db.write() as s:
        booking.reschedule(s, clinic.ctx, appt, start=later, override_reason="test")
    clinic.round()
    assert google_status.status(clinic.db).decisions == []
