"""Follow-ups of the reviewer's retry findings (#14): a message tried in vain and then
held on a stopped channel fails "retried until the start" at the start, as one found
retrying does, never "skipped: started"; a message held back for a push's answer
(``awaiting_push``) whose booking is cancelled or moved meanwhile is withdrawn by
planning (moved: planned again for the new start), not left waiting for the start.
Real parts: a closed port (a mail server down), aiosmtpd (one offering no STARTTLS), a
loopback Twilio."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from channelservers import (
    ACCOUNT,
    TOKEN,
    Inbox,
    free_port,
    http_server,
    smtp_on,
    twilio_route,
)
from reminderclinic import SENDER, Clinic, at, confirmations_only, rounds
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.journal import changefeed
from receptionist.models import Reminder, ReminderHandover, SyncState
from receptionist.ops import commlog, reminders
from receptionist.reminders import dispatch, station
from receptionist.reminders.channels import Sender
from receptionist.store.storage import Database
from sync.channels.smtp import SmtpSender
from sync.channels.twilio import TwilioSender

MAIL = "hasta@example.org"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return confirmations_only(db, ctx, clock)  # one message per booking


def test_a_tried_message_held_on_a_stopped_channel_fails_at_the_start_not_skipped(
    clinic: Clinic,
) -> None:
    """Tried at 10:00 in vain (the mail server down), then its channel stops (the server
    offers no STARTTLS) and nobody saves the settings before the 14:00 appointment. At
    the start the round's ``_past_held`` made it "skipped: started", no entry in the
    patient's log; the rule for a tried message is "failed: retried until the start",
    logged, with the last try's code."""
    port = free_port()
    plain = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    clinic.set(late_limit_minutes=600)
    pid = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(pid, at(0, 14))
    (item,) = rounds(clinic, {"email": plain}, 1)
    assert (item.state, item.reason) == ("retrying", "retry:unreachable")
    inbox = Inbox()
    with smtp_on(port, inbox):
        tls = SmtpSender("127.0.0.1", port, "desk@moda.example", security="starttls")
        clinic.clock.advance(minutes=5)
        (item,) = rounds(clinic, {"email": tls}, 1)
        assert (item.state, item.reason) == ("held", "setup:tls_not_offered")
        clinic.clock.set(at(0, 14))
        items = rounds(clinic, {"email": tls}, 1)
    assert [(i.state, i.reason) for i in items] == [("failed", "retried_until_start:unreachable")]
    assert inbox.mails == []
    (entry,) = commlog.listing(clinic.db, clinic.ctx, pid)
    assert entry.entry.reason == "retried_until_start:unreachable"


def test_a_held_message_never_tried_is_still_skipped_at_the_start(clinic: Clinic) -> None:
    """The rule bites only on a message tried in vain: one that waited on a stopped
    channel from its first try (the refusal is not a try) is "skipped: started", as
    before, and logs nothing."""
    port = free_port()
    clinic.set(late_limit_minutes=600)
    pid = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(pid, at(0, 14))
    inbox = Inbox()
    with smtp_on(port, inbox):
        tls = SmtpSender("127.0.0.1", port, "desk@moda.example", security="starttls")
        (item,) = rounds(clinic, {"email": tls}, 1)
        assert (item.state, item.reason) == ("held", "setup:tls_not_offered")
        clinic.clock.set(at(0, 14))
        items = rounds(clinic, {"email": tls}, 1)
    assert [(i.state, i.reason) for i in items] == [("skipped", "started")]
    assert commlog.listing(clinic.db, clinic.ctx, pid) == []


def took_over_with_a_batch_unanswered(clinic: Clinic) -> tuple[str, datetime]:
    """This PC (B) takes the lease over while its batch with a new booking waits for the
    endpoint's answer (as ``test_reminder_retry_rules`` sets it up): the booking's id,
    and the handover's cutoff."""
    clinic.set(station="B")
    with clinic.db.write() as s:
        s.add(SyncState(id=1, server_url="https://x", clinic_id="c", device_id="d",
                        device_code="B", device_name="B", private_key=b"k",
                        last_sync_at=clinic.clock.now() - timedelta(hours=1)))  # fmt: skip
        s.flush()
        base = changefeed.last_seq(s)
    booked = clinic.book(clinic.patient(1), at(1, 15))
    now = clinic.clock.now()
    cutoff = now + timedelta(minutes=1)
    with clinic.db.write() as s:
        sync = s.get(SyncState, 1)
        assert sync is not None
        sync.pushed_change, sync.accepted_change = changefeed.last_seq(s), base  # it waits
        s.add(ReminderHandover(kind="lease", cutoff=cutoff, mark=None, pushed=base,
                               updated_at=now))  # fmt: skip
    return booked, cutoff


def states(clinic: Clinic) -> list[tuple[str, str, datetime, str]]:
    with clinic.db.read() as s:
        query = select(Reminder).order_by(Reminder.created_at, Reminder.kind)
        return [(r.kind, r.state, r.appointment_start, r.reason) for r in s.scalars(query)]


@pytest.mark.parametrize("change", ["cancel", "move"])
def test_a_message_held_for_a_push_s_answer_is_withdrawn_when_its_booking_changes(
    clinic: Clinic, change: str
) -> None:
    """The booking's confirmation waits for the push's answer ("awaiting_push"); the
    desk then cancels the booking, or moves it to 17:00. Planning withdraws the held
    confirmation ("cancelled" / "moved") at once, rather than leaving it held until
    the start; nothing goes to the provider (the cancellation message is off here)."""
    clinic.set(cancellation=False, reschedule=False)
    booked, cutoff = took_over_with_a_batch_unanswered(clinic)

    def lease(preferred: bool, ttl: timedelta) -> station.Hold:
        return station.Hold(True, "B", cutoff)

    with http_server(twilio_route) as (url, server):
        sender: dict[str, Sender] = {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)}
        dispatch.run(clinic.db, clinic.clock, sender, lease=lease)
        assert states(clinic) == [("confirmation", "pending", at(1, 15), "awaiting_push")]
        clinic.clock.advance(minutes=5)
        if change == "cancel":
            clinic.cancel(booked)
        else:
            clinic.move(booked, at(1, 17))
        dispatch.run(clinic.db, clinic.clock, sender, lease=lease)
        reason = "cancelled" if change == "cancel" else "moved"
        assert states(clinic) == [("confirmation", "withdrawn", at(1, 15), reason)]
        (row,) = reminders.listing(clinic.db, clinic.ctx)
        assert row.explained is not None and "Withdrawn" in str(row.explained)
    assert server.messages == []


@pytest.mark.parametrize("change", ["cancel", "move"])
def test_the_news_of_a_change_made_after_the_takeover_is_not_held_for_the_push(
    clinic: Clinic, change: str
) -> None:
    """As above, with the cancellation and reschedule messages on. The change was made
    here after the cutoff: the previous sender never saw it, so its message is this
    PC's whatever the endpoint answers about the booking's batch, and goes at once.
    Before, it was held "awaiting_push" too (the booking's insert was in the batch),
    and skipped at the start if the batch was refused until then: the patient never
    told of the new time."""
    booked, cutoff = took_over_with_a_batch_unanswered(clinic)

    def lease(preferred: bool, ttl: timedelta) -> station.Hold:
        return station.Hold(True, "B", cutoff)

    with http_server(twilio_route) as (url, server):
        sender: dict[str, Sender] = {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)}
        dispatch.run(clinic.db, clinic.clock, sender, lease=lease)
        clinic.clock.advance(minutes=5)
        if change == "cancel":
            clinic.cancel(booked)
        else:
            clinic.move(booked, at(1, 17))
        dispatch.run(clinic.db, clinic.clock, sender, lease=lease)
        kind, start = ("cancellation", at(1, 15)) if change == "cancel" else (
            "reschedule", at(1, 17))  # fmt: skip
        assert states(clinic)[1:] == [(kind, "sent", start, "")]
    assert len(server.messages) == 1
