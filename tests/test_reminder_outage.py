"""A short outage does not make reminders fail for good (#14): a try that reached no
provider (the connection refused, the e-mail server greylisting with a 4xx) keeps the
message queued, tried again at most every ``dispatch.RETRY_CAP``, until it is too late
to send: the late limit after its time, or the appointment's start. Then it fails with
a reason that says so. Real loopback servers: an SMTP port nobody listens on until the
server starts there, and aiosmtpd greylisting an address for a while."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import reminderclinic
from channelservers import ACCOUNT, TOKEN, Inbox, free_port, smtp_on
from reminderclinic import SENDER, Clinic, at, make

from receptionist.cli.remindercmds import status_data, status_text
from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs.runner import Runner
from receptionist.ops import commlog, reminders
from receptionist.reminders import dispatch
from receptionist.store.storage import Database
from sync.channels.smtp import SmtpSender
from sync.jobs import REMINDERS

MAIL = "hasta@example.org"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return make(db, ctx, clock)


def mail_patient(clinic: Clinic) -> str:
    return clinic.patient(1, email=MAIL, consents=("reminder_email",))


def rows(clinic: Clinic) -> dict[tuple[str, str], reminders.ReminderRow]:
    return {(r.kind, r.rule): r for r in reminders.listing(clinic.db, clinic.ctx)}


def rounds(clinic: Clinic, mailer: SmtpSender, minutes: int) -> list[dispatch.Item]:
    """A round a minute for ``minutes`` minutes: every item they dealt with."""
    return reminderclinic.rounds(clinic, {"email": mailer}, minutes)


def test_a_forty_minute_outage_keeps_the_message_queued_and_it_goes_once_back(
    clinic: Clinic,
) -> None:
    """The confirmation is due at 10:00; nothing listens on the mail server's port until
    10:40. Before the fix it failed for good after five tries (10:15)."""
    port = free_port()
    mailer = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    clinic.set(offsets="")
    clinic.book(mail_patient(clinic), at(1, 15))
    items = rounds(clinic, mailer, 40)
    assert {i.state for i in items} == {"retrying"}
    assert {i.reason for i in items} == {"retry:unreachable"}
    row = rows(clinic)[("confirmation", "confirmation")]
    assert (row.state, row.reason) == ("pending", "retry:unreachable")
    assert row.explained is not None and "could not reach" in str(row.explained)
    # The desk sees the queue waits on the network: the status names the channel.
    status = reminders.status(clinic.db)
    assert status.waiting == (("email", "unreachable"),)
    assert "email" in str(status.waiting_texts()[0])
    said = status_text(status_data(status, ZoneInfo("Europe/Istanbul")))
    assert "email: waiting for the network: the last try could not reach the provider" in said
    # Capped backoff: from ten minutes in, a try at most every RETRY_CAP.
    tries = [i for i in items if i.state == "retrying"]
    assert len(tries) >= 6
    inbox = Inbox()
    with smtp_on(port, inbox):
        clinic.clock.advance(minutes=int(dispatch.RETRY_CAP.total_seconds() // 60))
        items = rounds(clinic, mailer, 5)
    assert [(i.kind, i.state) for i in items] == [("confirmation", "sent")]
    assert len(inbox.mails) == 1
    assert reminders.status(clinic.db).waiting == ()


def test_greylisting_keeps_the_message_queued_until_the_server_takes_it(
    clinic: Clinic,
) -> None:
    """A 451 (greylisting) for 25 minutes at the recipient, then the server takes it."""
    port = free_port()
    mailer = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    clinic.set(offsets="")
    clinic.book(mail_patient(clinic), at(1, 15))
    inbox = Inbox()
    inbox.refuse = {MAIL: "451 4.7.1 Greylisted, try again later"}
    with smtp_on(port, inbox):
        items = rounds(clinic, mailer, 25)
        assert {(i.state, i.reason) for i in items} == {("retrying", "retry:smtp_451")}
        assert rows(clinic)[("confirmation", "confirmation")].explained is not None
        inbox.refuse = {}
        items = rounds(clinic, mailer, 20)
    assert [(i.kind, i.state) for i in items] == [("confirmation", "sent")]
    assert len(inbox.mails) == 1


def test_an_outage_until_the_appointment_starts_fails_the_message_saying_so(
    clinic: Clinic,
) -> None:
    """The booking is at 12:00, two hours ahead; the mail server stays unreachable.
    The confirmation and the 2h reminder (both due 10:00) are tried until the next
    try would come at or after the start, then fail, with a reason that says so,
    logged in the patient's communication log; no try after the start."""
    mailer = SmtpSender("127.0.0.1", free_port(), "desk@moda.example", security="none")
    clinic.set(late_limit_minutes=240)
    pid = mail_patient(clinic)
    clinic.book(pid, at(0, 12))
    items = rounds(clinic, mailer, 150)
    failed = [i for i in items if i.state == "failed"]
    assert sorted((i.kind, i.reason) for i in failed) == [
        ("confirmation", "retried_until_start:unreachable"),
        ("reminder", "retried_until_start:unreachable"),
    ]
    found = rows(clinic)
    assert all(r.finished_at is not None and r.finished_at < at(0, 12) for r in found.values())
    assert all(r.finished_at >= at(0, 12) - dispatch.RETRY_CAP for r in found.values())  # type: ignore[operator]
    said = found[("confirmation", "confirmation")].explained
    assert said is not None and "until the appointment started" in str(said)
    log = commlog.listing(clinic.db, clinic.ctx, pid)
    assert len(log) == 2 and all(e.entry.reason.startswith("retried_until_start") for e in log)


def test_an_outage_past_the_late_limit_fails_the_message_saying_so(clinic: Clinic) -> None:
    """Late limit 30 minutes: the confirmation due at 10:00 is given up once its next
    try would come after 10:30 (its appointment is tomorrow)."""
    mailer = SmtpSender("127.0.0.1", free_port(), "desk@moda.example", security="none")
    clinic.set(offsets="", late_limit_minutes=30)
    clinic.book(mail_patient(clinic), at(1, 15))
    start = clinic.clock.now()
    items = rounds(clinic, mailer, 60)
    failed = [i for i in items if i.state == "failed"]
    assert [(i.kind, i.reason) for i in failed] == [
        ("confirmation", "retried_until_late:unreachable")
    ]
    row = rows(clinic)[("confirmation", "confirmation")]
    assert row.finished_at is not None and row.finished_at <= start + timedelta(minutes=30)
    said = row.explained
    assert said is not None and "late limit" in str(said)


def test_a_message_left_retrying_while_the_station_was_off_is_not_sent_late(
    clinic: Clinic,
) -> None:
    """Retrying at 10:05 when the PC goes off; it comes back the next day, the mail
    server up again: the message is past its late limit (two hours), so it fails as
    given up, not sent a day late."""
    port = free_port()
    mailer = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    clinic.set(offsets="")
    clinic.book(mail_patient(clinic), at(2, 15))
    rounds(clinic, mailer, 5)
    clinic.clock.set(at(1, 9))
    inbox = Inbox()
    with smtp_on(port, inbox):
        items = rounds(clinic, mailer, 2)
    assert [(i.kind, i.state, i.reason) for i in items] == [
        ("confirmation", "failed", "retried_until_late:unreachable")
    ]
    assert inbox.mails == []


def test_tries_that_run_into_quiet_hours_wait_for_their_end_and_go_then(
    clinic: Clinic,
) -> None:
    """The 24h reminder of a Wednesday 20:30 booking is due Tuesday 20:30; the mail
    server is down until 07:00. Its tries pause at 21:00 (quiet hours until 08:00),
    whose end then counts as its time: it goes at 08:00, not given up as two hours
    late."""
    port = free_port()
    mailer = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    clinic.set(offsets="24h", confirmation=False)
    clinic.book(mail_patient(clinic), at(2, 20, 30))
    clinic.clock.set(at(1, 20, 30))
    items = rounds(clinic, mailer, 60)
    assert {i.state for i in items} == {"retrying"}
    row = rows(clinic)[("reminder", "24h")]
    assert (row.state, row.send_at) == ("pending", at(2, 8))
    clinic.clock.set(at(2, 7))
    inbox = Inbox()
    with smtp_on(port, inbox):
        assert rounds(clinic, mailer, 60) == []  # quiet hours
        items = rounds(clinic, mailer, 2)
    assert [(i.kind, i.state) for i in items] == [("reminder", "sent")]
    assert len(inbox.mails) == 1


def test_the_dispatch_job_s_record_counts_the_messages_tried_in_vain(clinic: Clinic) -> None:
    """Settings > Jobs and ``jobs list`` show the round's messages queued again."""
    values = {"base_url": f"http://127.0.0.1:{free_port()}", "account": ACCOUNT,
              "sender": SENDER}  # fmt: skip
    reminders.set_channel(clinic.db, clinic.ctx, "sms", values, TOKEN)
    clinic.set(offsets="")
    clinic.book(clinic.patient(1), at(1, 15))
    clinic.clock.advance(minutes=1)
    (ran,) = Runner([REMINDERS]).run_due(clinic.db, clinic.clock)
    assert ran.outcome == "ok", ran.error
    assert (ran.counts["retrying"], ran.counts["failed"]) == (1, 0)
