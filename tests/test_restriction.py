"""Restriction of processing (GDPR art. 18, KVKK art. 11): a restricted patient gets no
message (planned ones skipped, queued ones skipped at dispatch), Google shows no name,
marking and lifting are audited and permission-checked, and lifting queues her
reminders still ahead again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from factories import actor_ctx
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.google import eventbody, outbox
from receptionist.models import Appointment, AuditEvent, Patient, Reminder
from receptionist.ops import patients, reminders
from receptionist.reminders import compose, config, dispatch
from receptionist.store.storage import Database
from sync.channels.twilio import TwilioSender


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


@pytest.fixture
def twilio() -> Iterator[tuple[TwilioSender, object]]:
    with http_server(twilio_route) as (url, recorded):
        yield TwilioSender(url, ACCOUNT, SENDER, TOKEN), recorded


def rows(clinic: Clinic) -> dict[tuple[str, str], tuple[str, str]]:
    found = reminders.listing(clinic.db, clinic.ctx)
    return {(r.appointment_id, r.rule): (r.state, r.reason) for r in found}


def test_a_restricted_patient_gets_no_message_planned(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    pid, other = clinic.patient(1), clinic.patient(2)
    patients.restrict(clinic.db, clinic.ctx, pid, "disputes her phone number")
    mine = clinic.book(pid, at(2, 15))
    theirs = clinic.book(other, at(2, 16))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    found = rows(clinic)
    assert found[(mine, "confirmation")] == ("skipped", "restricted")
    assert found[(mine, "24h")] == ("skipped", "restricted")
    assert found[(mine, "2h")] == ("skipped", "restricted")
    assert found[(theirs, "confirmation")] == ("sent", "")
    clinic.move(mine, at(2, 17))  # a reschedule message is not sent either
    clinic.clock.advance(minutes=1)
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert rows(clinic)[(mine, "reschedule")] == ("skipped", "restricted")
    clinic.cancel(mine)
    clinic.clock.advance(minutes=1)
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert rows(clinic)[(mine, "cancellation")] == ("skipped", "restricted")
    assert all("Hasta1" not in body for body in server.bodies())
    assert len(server.bodies()) == 1  # the other patient's confirmation only


def test_a_queued_reminder_is_skipped_at_dispatch(clinic: Clinic, twilio, db: Database) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    pid = clinic.patient(1)
    appt = clinic.book(pid, at(2, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert rows(clinic)[(appt, "24h")] == ("pending", "")
    patients.restrict(clinic.db, clinic.ctx, pid)
    clinic.clock.set(at(1, 15))  # the 24h reminder is due
    done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert server.bodies() == []
    assert rows(clinic)[(appt, "24h")] == ("skipped", "restricted")
    assert rows(clinic)[(appt, "2h")] == ("skipped", "restricted")
    listed = {r.rule: r for r in reminders.listing(clinic.db, clinic.ctx)}
    assert listed["24h"].explained is not None
    assert "restricted" in str(listed["24h"].explained)
    assert done.active


def test_the_sender_checks_the_restriction_whatever_planning_said(
    clinic: Clinic, twilio, db: Database
) -> None:
    """A restriction that arrives (by sync) after planning queued a message is still
    honoured when the message would go: compose decides again."""
    sender, _server = twilio
    clinic.set(confirmation=False)
    pid = clinic.patient(1)
    clinic.book(pid, at(2, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    with db.write() as s:  # as sync would apply it: the row only, no planning
        patient = s.get(Patient, pid)
        assert patient is not None
        patient.restricted_at = clinic.clock.now()
    clinic.clock.set(at(1, 15))
    queued = next(r for r in reminders.listing(clinic.db, clinic.ctx) if r.rule == "24h")
    with db.read() as s:
        r = s.get(Reminder, queued.id)
        assert r is not None
        decision = compose.decide(s, r, clinic.clock.now(), config.load(s), {"sms"})
    assert decision == compose.Stop("skipped", "restricted")


def test_lifting_resumes_the_reminders_still_ahead(clinic: Clinic, twilio) -> None:
    sender, server = twilio
    clinic.set(confirmation=False)
    pid = clinic.patient(1)
    patients.restrict(clinic.db, clinic.ctx, pid)
    soon = clinic.book(pid, at(1, 14))  # 24h passed already when lifted; 2h at 12:00
    later = clinic.book(pid, at(3, 15))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert rows(clinic)[(later, "24h")] == ("skipped", "restricted")
    clinic.clock.set(at(1, 11))
    record = patients.lift_restriction(clinic.db, clinic.ctx, pid)
    assert not record.restricted and record.restriction_reason == ""
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    found = rows(clinic)
    assert found[(later, "24h")] == ("pending", "")
    assert found[(later, "2h")] == ("pending", "")
    assert found[(soon, "2h")] == ("pending", "")
    clinic.clock.set(at(1, 12))
    dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert rows(clinic)[(soon, "2h")][0] == "sent"
    assert len(server.bodies()) == 1


def test_marking_and_lifting_are_audited_and_kept_on_the_record(clinic: Clinic) -> None:
    pid = clinic.patient(1)
    record = patients.restrict(clinic.db, clinic.ctx, pid, "  dispute over her address ")
    assert record.restricted and record.restricted_at == clinic.clock.now()
    assert record.restriction_reason == "dispute over her address"
    since = record.restricted_at
    clinic.clock.advance(minutes=5)
    again = patients.restrict(clinic.db, clinic.ctx, pid, "settled in part")
    assert again.restricted_at == since  # the date stays; the reason changes
    shown = patients.show(clinic.db, clinic.ctx, pid)
    assert shown.restriction_reason == "settled in part"
    patients.lift_restriction(clinic.db, clinic.ctx, pid)
    patients.lift_restriction(clinic.db, clinic.ctx, pid)  # a no-op: no event
    with clinic.db.read() as s:
        actions = list(
            s.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_id == pid, AuditEvent.action.like("patient.%"))
                .order_by(AuditEvent.seq)
            )
        )
    assert actions == ["patient.restrict", "patient.restrict", "patient.unrestrict"]


def test_only_the_roles_that_record_privacy_choices_may_restrict(
    clinic: Clinic, clock: FixedClock
) -> None:
    pid = clinic.patient(1)
    provider = actor_ctx("provider", clock)
    with pytest.raises(PermissionDenied):
        patients.restrict(clinic.db, provider, pid)
    with pytest.raises(PermissionDenied):
        patients.lift_restriction(clinic.db, provider, pid)
    desk = actor_ctx("receptionist", clock)
    assert patients.restrict(clinic.db, desk, pid).restricted
    with pytest.raises(NotFound):
        patients.restrict(clinic.db, desk, "nobody")
    with pytest.raises(ValidationError) as caught:
        patients.restrict(clinic.db, desk, pid, "x" * 501)
    assert caught.value.field == "reason"
    with pytest.raises(ValidationError):
        patients.restrict(clinic.db, desk, pid, "bad\x00reason")
    assert patients.show(clinic.db, desk, pid).restriction_reason == ""


def test_google_shows_no_name_of_a_restricted_patient(clinic: Clinic) -> None:
    pid = clinic.patient(1)
    appt = clinic.book(pid, at(2, 15))
    with clinic.db.read() as s:
        found = s.get(Appointment, appt)
        assert found is not None
        named = outbox._shown(s, found)
    assert eventbody.summary(named, "full_name")[1] == "full_name"
    patients.restrict(clinic.db, clinic.ctx, pid)
    with clinic.db.read() as s:
        found = s.get(Appointment, appt)
        assert found is not None
        shown = outbox._shown(s, found)
    for mode in ("full_name", "initials"):
        title, disclosed = eventbody.summary(shown, mode)
        assert disclosed is None
        assert "Hasta1" not in str(title) and "H." not in str(title)
