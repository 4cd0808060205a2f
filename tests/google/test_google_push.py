"""Pushing appointments to a (loopback) Google Calendar: one event per appointment
whatever is retried, what the event says, updates and deletes with etags."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from factories import make_clinic, make_patient, make_provider, make_service
from fakegoogle import FakeGoogle
from googlekit import CALENDAR, INFO, Clinic
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.google import calendars
from receptionist.google import status as google_status
from receptionist.google.eventbody import event_id
from receptionist.models import Appointment, GoogleDisclosure, GoogleLink
from receptionist.ops import settings as settings_ops
from receptionist.schedule import booking
from receptionist.store.storage import Database

MONDAY_10 = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


def test_an_appointment_becomes_one_event_named_by_its_id_with_no_patient_data(
    clinic: Clinic,
) -> None:
    appt = clinic.book(MONDAY_10)
    done = clinic.round()
    assert done.status == "ok" and done.counts.created == 1 and done.counts.errors == 0
    [event] = clinic.google.live(CALENDAR)
    assert event["id"] == event_id(appt) == appt.replace("-", "")
    assert event["summary"] == "Appointment – Check-up"
    shown = str(event)
    assert "Zeynep" not in shown and "Kaya" not in shown and "905321234567" not in shown
    assert event["start"] == {"dateTime": "2026-03-09T10:00:00+00:00", "timeZone": "Europe/London"}
    private = event["extendedProperties"]["private"]
    assert private["receptionistAppointment"] == appt and private["receptionistVersion"] == "1"
    again = clinic.round()
    assert (again.counts.created, again.counts.updated) == (0, 0), "nothing new: nothing sent"
    assert clinic.google.requests["insert"] == 1


def test_an_insert_whose_answer_was_lost_is_not_made_twice(clinic: Clinic) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.google.lose_next_answer()
    done = clinic.round()
    assert done.status == "ok"
    assert len(clinic.google.live(CALENDAR)) == 1, "the retry met the event it had made"
    assert clinic.google.requests["insert"] == 2
    assert clinic.google.requests["get"] == 1 and clinic.google.requests["patch"] == 1
    with clinic.db.read() as s:
        link = s.get(GoogleLink, appt)
        assert link is not None and link.state == "synced" and link.etag


def test_a_change_is_patched_with_the_etag_and_a_cancel_deletes_the_event(clinic: Clinic) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.round()
    with clinic.db.write() as s:
        booking.reschedule(
            s, clinic.ctx, appt, start=MONDAY_10 + timedelta(hours=2), override_reason="test"
        )
    moved = clinic.round()
    assert moved.counts.updated == 1
    assert clinic.event_of(appt)["start"]["dateTime"] == "2026-03-09T12:00:00+00:00"
    with clinic.db.write() as s:
        booking.cancel(s, clinic.ctx, appt, "the patient called")
    gone = clinic.round()
    assert gone.counts.deleted == 1
    assert clinic.google.live(CALENDAR) == []
    assert clinic.round().counts.deleted == 0, "deleted once"


def test_a_no_show_and_an_erased_appointment_leave_google(clinic: Clinic) -> None:
    kept, erased = clinic.book(MONDAY_10), clinic.book(MONDAY_10 + timedelta(hours=3))
    clinic.round()
    clinic.clock.set(MONDAY_10 + timedelta(hours=1))
    with clinic.db.write() as s:
        booking.set_status(s, clinic.ctx, kept, "no_show")
        s.delete(s.get(Appointment, erased))
    assert clinic.round().counts.deleted == 2
    assert clinic.google.live(CALENDAR) == []


def test_a_time_changed_in_google_during_our_patch_is_a_proposed_move_not_a_loop(
    clinic: Clinic,
) -> None:
    appt = clinic.book(MONDAY_10)
    clinic.round()
    with clinic.db.write() as s:
        booking.reschedule(
            s, clinic.ctx, appt, start=MONDAY_10 + timedelta(hours=1), override_reason="test"
        )
    eid = event_id(appt)
    later = MONDAY_10 + timedelta(hours=5)
    clinic.google.before_next(
        "patch",
        lambda: clinic.google.move_event(CALENDAR, eid, later, later + timedelta(minutes=30)),
    )
    done = clinic.round()
    assert done.counts.conflicts == 1 and done.counts.updated == 1 and done.counts.errors == 0
    assert clinic.google.requests["patch"] == 2, "412, a get, one more patch: no loop"
    assert clinic.event_of(appt)["start"]["dateTime"] == "2026-03-09T11:00:00+00:00"
    [decision] = google_status.status(clinic.db).decisions
    assert decision.kind == "moved_in_google" and decision.proposed_start == later
    with clinic.db.read() as s:
        row = s.get(Appointment, appt)
        assert row is not None and row.start_utc == MONDAY_10 + timedelta(hours=1)


def test_initials_or_names_go_only_when_chosen_and_each_is_registered(clinic: Clinic) -> None:
    first = clinic.book(MONDAY_10)
    clinic.round()
    with clinic.db.read() as s:
        assert s.scalar(select(func.count()).select_from(GoogleDisclosure)) == 0
    settings_ops.set_value(clinic.db, clinic.ctx, "google.summary", "initials")
    second = clinic.book(MONDAY_10 + timedelta(hours=1), patient="p2")
    clinic.round()
    assert clinic.event_of(second)["summary"] == "E. D. – Check-up"
    assert clinic.event_of(first)["summary"] == "Appointment – Check-up", "pushed before"
    settings_ops.set_value(clinic.db, clinic.ctx, "google.summary", "full_name")
    with clinic.db.write() as s:
        booking.reschedule(
            s, clinic.ctx, first, start=MONDAY_10 + timedelta(hours=2), override_reason="test"
        )
    clinic.round()
    assert clinic.event_of(first)["summary"] == "Zeynep Kaya – Check-up"
    with clinic.db.read() as s:
        rows = s.scalars(select(GoogleDisclosure).order_by(GoogleDisclosure.seq)).all()
    assert [(r.patient_id, r.appointment_id, r.what) for r in rows] == [
        (clinic.ids["p2"], second, "initials"),
        (clinic.ids["p1"], first, "full_name"),
    ]
    assert rows[0].recipient == f"Google Calendar {CALENDAR}"


def test_rate_limits_are_waited_out_and_quota_stops_the_round_keeping_the_queue(
    clinic: Clinic,
) -> None:
    clinic.book(MONDAY_10)
    clinic.google.fail_next(403, "rateLimitExceeded", method="insert")
    clinic.google.fail_next(429, "rateLimitExceeded", method="insert")
    clinic.google.fail_next(503, "backendError", method="insert")
    done = clinic.round()
    assert done.status == "ok" and done.counts.created == 1
    assert len(clinic.sleeps) == 3 and clinic.sleeps[0] < clinic.sleeps[1] < clinic.sleeps[2]
    clinic.book(MONDAY_10 + timedelta(hours=1))
    clinic.google.fail_next(403, "quotaExceeded")
    stopped = clinic.round()
    assert stopped.status == "quota"
    shown = google_status.status(clinic.db)
    assert shown.status == "quota" and shown.waiting == 1
    assert clinic.round().counts.created == 1, "the next round carries on"


def test_a_deleted_patients_events_leave_google_whatever_the_title_shows(clinic: Clinic) -> None:
    from receptionist.patients import record

    first = clinic.book(MONDAY_10)
    other = clinic.book(MONDAY_10 + timedelta(hours=1), patient="p2")
    clinic.round()
    with clinic.db.write() as s:
        record.delete_patient(s, clinic.ctx, clinic.ids["p1"])
    done = clinic.round()
    assert done.counts.deleted == 1
    assert [e["id"] for e in clinic.google.live(CALENDAR)] == [event_id(other)]
    assert event_id(first) not in {e["id"] for e in clinic.google.live(CALENDAR)}


def test_turning_names_off_takes_them_out_of_google(clinic: Clinic) -> None:
    settings_ops.set_value(clinic.db, clinic.ctx, "google.summary", "full_name")
    named = clinic.book(MONDAY_10)
    clinic.round()
    assert clinic.event_of(named)["summary"] == "Zeynep Kaya – Check-up"
    settings_ops.set_value(clinic.db, clinic.ctx, "google.summary", "service")
    clinic.clock.advance(hours=1)
    done = clinic.round()
    assert clinic.event_of(named)["summary"] == "Appointment – Check-up"
    assert done.counts.updated == 1
    with clinic.db.read() as s:  # the register says when her name left (issue #14)
        [row] = s.scalars(select(GoogleDisclosure)).all()
        assert (row.patient_id, row.withdrawn_at) == (clinic.ids["p1"], clinic.clock.now())


def test_the_first_map_sends_only_the_recent_past_not_the_whole_history(
    db: Database, ctx: Ctx, clock: FixedClock, google: FakeGoogle
) -> None:
    """Appointments booked long before Google was set up stay off Google; the recent
    ones (from the outbox's HORIZON on) go with the first map."""
    with db.write() as s:
        make_clinic(s, ctx, tz="Europe/London")
        ayse = make_provider(s, ctx, "Dr Ayşe")
        checkup = make_service(s, ctx, "Check-up", 30)
        p1 = make_patient(s, clock.now(), 1, "Zeynep", "Kaya")
    ids = {"ayse": ayse.id, "checkup": checkup.id, "p1": p1.id}
    clinic = Clinic(db, ctx, clock, google, ids)
    old = clinic.book(clock.now() - timedelta(days=400))
    recent = clinic.book(clock.now() + timedelta(days=1))
    settings_ops.set_value(db, ctx, "google.credentials", json.dumps(INFO))
    calendars.map_provider(db, ctx, "Dr Ayşe", CALENDAR)
    clinic.round()
    sent = {e["id"] for e in google.live(CALENDAR)}
    assert event_id(recent) in sent
    assert event_id(old) not in sent
