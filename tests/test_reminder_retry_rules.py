"""How a round treats messages tried in vain (#14), as a reviewer found them wanting:
a silent server costs one connection a round per channel, not one per message; a
message tried once keeps its late limit whatever its channel did meanwhile (stopped,
resumed); the round run when the network returns sends what waited for the network at
once; a tried message found after the start fails "retried until start"; the status
names what a try met in words that fit it. Real parts: a listening socket that never
greets (a silent mail server), aiosmtpd, a loopback Twilio."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from channelservers import (
    ACCOUNT,
    PORTAL,
    TOKEN,
    Inbox,
    free_port,
    http_server,
    not_the_provider,
    rate_limited,
    silent_server,
    smtp_on,
    twilio_route,
)
from reminderclinic import SENDER, Clinic, at, confirmations_only, rounds
from sqlalchemy import select

import sync.channels.smtp as smtp
from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs import netreturn
from receptionist.jobs.runner import Runner
from receptionist.journal import changefeed
from receptionist.models import DeliveryLog, Reminder, ReminderHandover, SyncState
from receptionist.ops import commlog, reminders
from receptionist.reminders import dispatch, halt, reasons, station
from receptionist.reminders.channels import Sender
from receptionist.store.storage import Database
from sync.channels import build
from sync.channels.smtp import SmtpSender
from sync.channels.twilio import TwilioSender
from sync.jobs import REMINDERS

MAIL = "hasta@example.org"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    return confirmations_only(db, ctx, clock)  # one message per booking


def rows(clinic: Clinic) -> dict[str, reminders.ReminderRow]:
    return {r.patient_id: r for r in reminders.listing(clinic.db, clinic.ctx)}


def next_tries(clinic: Clinic) -> dict[str, datetime | None]:
    """Each patient's message's next try (by patient id)."""
    with clinic.db.read() as s:
        found = s.execute(select(Reminder.patient_id, Reminder.next_try_at))
        return {pid: next_try for pid, next_try in found}


def sends(clinic: Clinic, channel: str) -> int:
    """How many sends the delivery log holds on ``channel`` (each a provider asked)."""
    with clinic.db.read() as s:
        query = select(DeliveryLog).where(DeliveryLog.channel == channel)
        return len(list(s.scalars(query.where(DeliveryLog.action == "send"))))


def test_a_silent_mail_server_costs_one_connection_a_round_and_the_sms_still_goes(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten confirmations by e-mail, the mail server silent (in production each costs
    smtplib's 30 s timeout: five minutes a round, past the job's lease with more), and
    one by SMS. The first e-mail's try meets the silence; the other nine wait for the
    same next try, their tries not counted, and the SMS goes in the same round."""
    monkeypatch.setattr(smtp, "TIMEOUT", 0.2)
    mailed = [
        clinic.patient(n, email=f"h{n}@example.org", consents=("reminder_email",))
        for n in range(1, 11)
    ]
    for n, pid in enumerate(mailed):
        clinic.book(pid, at(1, 8 + n))
    texted = clinic.patient(11)
    clinic.book(texted, at(1, 19))
    with silent_server() as (port, taken), http_server(twilio_route) as (url, server):
        senders: dict[str, Sender] = {
            "email": SmtpSender("127.0.0.1", port, "desk@moda.example", security="none"),
            "sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN),
        }
        done = dispatch.run(clinic.db, clinic.clock, senders)
        assert len(taken) == 1, f"{len(taken)} connections to a silent server in one round"
        assert len(server.messages) == 1 and [i.channel for i in done.of("sent")] == ["sms"]
        waiting = done.of("retrying")
        assert len(waiting) == 10 and {i.reason for i in waiting} == {"retry:unreachable"}
        found = rows(clinic)
        assert sorted(found[pid].attempts for pid in mailed) == [0] * 9 + [1]
        assert len({next_tries(clinic)[pid] for pid in mailed}) == 1, "the same next try"
        assert sends(clinic, "email") == 1  # the other nine asked nobody
        # The next round before that try sends nothing; at it, again one connection.
        clinic.clock.advance(seconds=30)
        assert dispatch.run(clinic.db, clinic.clock, senders).items == []
        clinic.clock.advance(minutes=1)
        again = dispatch.run(clinic.db, clinic.clock, senders)
        assert len(taken) == 2 and len(again.of("retrying")) == 10
    assert reminders.status(clinic.db).waiting == (("email", "unreachable"),)


def test_messages_waiting_behind_a_silent_server_give_up_when_their_try_would_be_late(
    clinic: Clinic,
) -> None:
    """Late limit 10 minutes, the mail server's port closed: the messages that waited
    behind the first one's try fail as given up once the shared next try would come
    after their late limit, as the one tried does; none is sent late."""
    clinic.set(late_limit_minutes=10)
    pids = [clinic.patient(n, email=f"h{n}@example.org", consents=("reminder_email",))
            for n in (1, 2, 3)]  # fmt: skip
    for n, pid in enumerate(pids):
        clinic.book(pid, at(1, 9 + n))
    port = free_port()
    mailer: dict[str, Sender] = {
        "email": SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    }
    items = rounds(clinic, mailer, 12)
    failed = [i for i in items if i.state == "failed"]
    assert sorted(i.reason for i in failed) == ["retried_until_late:unreachable"] * 3
    assert sends(clinic, "email") < 3 * 4  # one try a round, not one per message
    for pid in pids:
        (entry,) = commlog.listing(clinic.db, clinic.ctx, pid)
        assert entry.entry.reason == "retried_until_late:unreachable"
    inbox = Inbox()
    with smtp_on(port, inbox):
        assert rounds(clinic, mailer, 3) == []
    assert inbox.mails == []


def test_a_retried_message_held_then_resumed_a_day_later_fails_instead_of_going_late(
    clinic: Clinic,
) -> None:
    """Tried once in vain at 10:00 (the server down), then the channel stops (the
    server offers no STARTTLS) and the message waits on it; the settings are saved the
    next day. Stopping replaced its ``retry:`` reason and resuming cleared it: before
    the fix it then went, a day after its time. It fails as given up, logged."""
    port = free_port()
    plain = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    pid = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(pid, at(3, 15))
    (item,) = rounds(clinic, {"email": plain}, 1)
    assert (item.state, item.reason) == ("retrying", "retry:unreachable")
    inbox = Inbox()
    with smtp_on(port, inbox):
        tls = SmtpSender("127.0.0.1", port, "desk@moda.example", security="starttls")
        clinic.clock.advance(minutes=5)
        (item,) = rounds(clinic, {"email": tls}, 1)
        assert (item.state, item.reason) == ("held", "setup:tls_not_offered")
        clinic.clock.set(at(1, 10))  # the next day the e-mail settings are saved
        with clinic.db.write() as s:
            halt.resume(s, ["email"], clinic.clock.now())
        items = rounds(clinic, {"email": plain}, 1)
    assert [(i.state, i.reason) for i in items] == [("failed", "retried_until_late:unreachable")]
    assert inbox.mails == []
    (entry,) = commlog.listing(clinic.db, clinic.ctx, pid)
    assert entry.entry.reason == "retried_until_late:unreachable"


def test_a_retried_message_found_after_the_start_fails_as_retried_until_the_start(
    clinic: Clinic,
) -> None:
    """Retrying from 10:00 for a 14:00 booking (late limit ten hours); the PC is off
    until 15:00. Before the fix the message ended "skipped: started", with no entry in
    the patient's log; the documented rule is "failed: retried until the start"."""
    port = free_port()
    mailer: dict[str, Sender] = {
        "email": SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    }
    clinic.set(late_limit_minutes=600)
    pid = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(pid, at(0, 14))
    rounds(clinic, mailer, 3)
    clinic.clock.set(at(0, 15))
    items = rounds(clinic, mailer, 1)
    assert [(i.state, i.reason) for i in items] == [("failed", "retried_until_start:unreachable")]
    (entry,) = commlog.listing(clinic.db, clinic.ctx, pid)
    assert entry.entry.reason == "retried_until_start:unreachable"


def test_a_retried_message_whose_tries_run_into_quiet_hours_it_cannot_wait_out_fails(
    clinic: Clinic,
) -> None:
    """Quiet hours 21:00-08:00; a booking at 07:30 the next morning, its confirmation
    tried in vain from 20:50: at 21:00 its next try could come only after the start.
    It fails as given up until the start (logged), not "skipped: quiet hours"."""
    mailer: dict[str, Sender] = {
        "email": SmtpSender("127.0.0.1", free_port(), "desk@moda.example", security="none")
    }
    clinic.set(late_limit_minutes=720)
    clinic.clock.set(at(0, 20, 50))
    pid = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(pid, at(1, 7, 30))
    items = rounds(clinic, mailer, 20)  # tries at 20:50, :51, :53, :57, 21:05
    assert {i.state for i in items[:-1]} == {"retrying"}
    assert (items[-1].state, items[-1].reason) == ("failed", "retried_until_start:unreachable")
    (entry,) = commlog.listing(clinic.db, clinic.ctx, pid)
    assert entry.entry.reason == "retried_until_start:unreachable"


def test_the_round_run_when_the_network_returns_sends_what_waited_for_the_network(
    clinic: Clinic,
) -> None:
    """E-mail down 33 minutes (its next try up to 15 minutes ahead); an SMS turned away
    by Twilio's rate limit with Retry-After 30 minutes. The network is back: the round the
    app and the service run then (``netreturn.run_back``) sends the e-mail at once and
    leaves the SMS to the wait Twilio asked for. Before the fix it sent nothing."""
    port = free_port()
    email = {"host": "127.0.0.1", "port": port, "security": "none", "sender": "desk@moda.example"}
    reminders.set_channel(clinic.db, clinic.ctx, "email", email, None)
    mailed = clinic.patient(1, email=MAIL, consents=("reminder_email",))
    clinic.book(mailed, at(1, 15))
    texted = clinic.patient(2)
    clinic.book(texted, at(1, 16))
    with http_server(twilio_route) as (url, server):
        server.script += [rate_limited(1800)] * 10
        sms = {"base_url": url, "account": ACCOUNT, "sender": SENDER}
        reminders.set_channel(clinic.db, clinic.ctx, "sms", sms, TOKEN)
        for _ in range(33):
            dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
            clinic.clock.advance(minutes=1)
        before, now = next_tries(clinic), clinic.clock.now()
        assert before[mailed] is not None and before[mailed] > now
        assert before[texted] is not None and before[texted] > now
        found = rows(clinic)
        assert (found[mailed].reason, found[texted].reason) == (
            "retry:unreachable", "retry:rate_limited",
        )  # fmt: skip
        inbox = Inbox()
        with smtp_on(port, inbox):
            ran = netreturn.run_back(Runner([REMINDERS]), clinic.db, clinic.clock, [REMINDERS.name])
        assert [(r.job, r.outcome, r.counts["sent"]) for r in ran] == [(REMINDERS.name, "ok", 1)]
        assert len(inbox.mails) == 1
        after = rows(clinic)
        assert (after[mailed].state, after[texted].state) == ("sent", "pending")
        assert next_tries(clinic)[texted] == before[texted]
        assert server.messages == []


@pytest.mark.parametrize(
    ("code", "words", "not_said"),
    [
        ("unreachable", "could not reach the provider", ""),
        ("twilio_63038", "daily message limit", "network"),
        ("twilio_21611", "queue", "network"),
        ("spam_rate_limited", "131048", "network"),
        ("rate_limited", "too many messages", "network"),
        ("smtp_451", "SMTP 451", "network"),
    ],
)
def test_the_status_of_messages_waiting_to_be_tried_again_fits_what_the_last_try_met(
    code: str, words: str, not_said: str
) -> None:
    """A provider's limit or an e-mail server's "later" is not the network: the status
    and the message's sentence do not send the desk to check this PC's connection."""
    status = str(reasons.waiting("sms", code))
    explained = str(reasons.explain(f"retry:{code}", "sms"))
    assert words in status and words in explained
    if not_said:
        assert not_said not in status and not_said not in explained
    else:
        assert "waiting for the network" in status
        assert "check this PC's network connection" in status
        assert "check this PC's network connection" in explained


def test_a_message_turned_back_by_a_proxy_s_page_goes_when_the_network_returns(
    clinic: Clinic,
) -> None:
    """A captive portal's sign-in page (HTTP 401, not Twilio's) reached no provider
    either: the network's return sends the message at once, as for ``unreachable``."""
    clinic.book(clinic.patient(1), at(1, 15))
    with http_server(twilio_route) as (url, server):
        server.script += [not_the_provider(401, "text/html", PORTAL)] * 4
        sms = {"base_url": url, "account": ACCOUNT, "sender": SENDER}
        reminders.set_channel(clinic.db, clinic.ctx, "sms", sms, TOKEN)
        for _ in range(8):
            dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
            clinic.clock.advance(minutes=1)
        (row,) = reminders.listing(clinic.db, clinic.ctx)
        assert row.reason == "retry:not_provider_401" and row.attempts == 4
        (waits,) = next_tries(clinic).values()
        assert waits is not None and waits > clinic.clock.now()
        ran = netreturn.run_back(Runner([REMINDERS]), clinic.db, clinic.clock, [REMINDERS.name])
        assert [r.counts["sent"] for r in ran] == [1]
    assert len(server.messages) == 1


def test_a_confirmation_held_for_a_push_s_answer_says_so_and_is_skipped_at_the_start(
    clinic: Clinic,
) -> None:
    """This PC (B) took the lease over while its batch with the booking waited for the
    endpoint's answer: the previous sender may have seen the booking, so its
    confirmation waits (``handover.unanswered``). Before, it showed as plain "queued",
    no reason, and a batch refused every round held it for ever; now it says why it
    waits, and is skipped once the appointment began."""
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

    def lease(preferred: bool, ttl: timedelta) -> station.Hold:
        return station.Hold(True, "B", cutoff)

    with http_server(twilio_route) as (url, server):
        sender: dict[str, Sender] = {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)}
        done = dispatch.run(clinic.db, clinic.clock, sender, lease=lease)
        assert done.active and done.items == []
        (row,) = reminders.listing(clinic.db, clinic.ctx)
        assert (row.kind, row.state, row.reason) == ("confirmation", "pending", "awaiting_push")
        assert row.explained is not None and "Held back" in str(row.explained)
        clinic.clock.set(at(1, 15))  # the batch is refused every round until the start
        done = dispatch.run(clinic.db, clinic.clock, sender, lease=lease)
    assert [(i.appointment_id, i.state, i.reason) for i in done.items] == [
        (booked, "skipped", "awaiting_push")
    ]
    assert server.messages == []


def test_a_message_waiting_behind_one_at_the_longest_wait_keeps_its_own_quick_next_try(
    clinic: Clinic,
) -> None:
    """The mail server down since 10:00: the first confirmation, tried five times, waits
    15 minutes between tries (``RETRY_CAP``). At 10:30 a booking for 10:40 is made; its
    confirmation, never tried, waits behind that 10:30 try. Before the fix it took the
    tried message's next try (10:45, after the start) and failed at once as "retried
    until the start"; it waits a minute, its own first wait, and goes once the server
    answers at 10:31."""
    port = free_port()
    mailer: dict[str, Sender] = {
        "email": SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    }
    first = clinic.patient(1, email="h1@example.org", consents=("reminder_email",))
    clinic.book(first, at(1, 15))
    rounds(clinic, mailer, 16)  # tries at 10:00, :01, :03, :07, :15; the next at :30
    assert rows(clinic)[first].attempts == 5
    assert next_tries(clinic)[first] == at(0, 10, 30)
    clinic.clock.set(at(0, 10, 30))
    soon = clinic.patient(2, email="h2@example.org", consents=("reminder_email",))
    clinic.book(soon, at(0, 10, 40))
    done = dispatch.run(clinic.db, clinic.clock, mailer)
    assert sends(clinic, "email") == 6  # the first message's try only
    assert [(i.state, i.reason) for i in done.items] == [("retrying", "retry:unreachable")] * 2
    assert next_tries(clinic) == {first: at(0, 10, 45), soon: at(0, 10, 31)}
    assert rows(clinic)[soon].attempts == 0
    clinic.clock.set(at(0, 10, 31))
    inbox = Inbox()
    with smtp_on(port, inbox):
        done = dispatch.run(clinic.db, clinic.clock, mailer)
    assert [(i.state, i.reminder_id) for i in done.items] == [("sent", rows(clinic)[soon].id)]
    assert [mail["To"] for mail in inbox.mails] == ["h2@example.org"]
    assert rows(clinic)[first].state == "pending"


def test_a_message_waiting_behind_gives_up_when_its_own_next_try_would_be_after_the_start(
    clinic: Clinic,
) -> None:
    """As above, with the booking for 10:31: even its own first wait (a minute) ends at
    the start, so it fails as given up until the start, logged; not sent late."""
    port = free_port()
    mailer: dict[str, Sender] = {
        "email": SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
    }
    first = clinic.patient(1, email="h1@example.org", consents=("reminder_email",))
    clinic.book(first, at(1, 15))
    rounds(clinic, mailer, 16)
    clinic.clock.set(at(0, 10, 30))
    soon = clinic.patient(2, email="h2@example.org", consents=("reminder_email",))
    clinic.book(soon, at(0, 10, 31))
    done = dispatch.run(clinic.db, clinic.clock, mailer)
    assert sorted((i.state, i.reason) for i in done.items) == [
        ("failed", "retried_until_start:unreachable"), ("retrying", "retry:unreachable"),
    ]  # fmt: skip
    (entry,) = commlog.listing(clinic.db, clinic.ctx, soon)
    assert entry.entry.reason == "retried_until_start:unreachable"


def waiting_behind_then_held_for_a_push(clinic: Clinic) -> tuple[str, str, dict[str, Sender]]:
    """Two confirmations by e-mail, the server's port closed: at 10:00 the first is
    tried, the second waits behind it (no try counted, ``retry:unreachable``). Then this
    PC (B) takes the lease over while its batch with both bookings waits for the
    endpoint's answer (``handover.unanswered``), and a round runs at 10:01. The two
    patients' ids and the senders."""
    clinic.set(late_limit_minutes=10)
    with clinic.db.read() as s:
        base = changefeed.last_seq(s)
    pids = [clinic.patient(n, email=f"h{n}@example.org", consents=("reminder_email",))
            for n in (1, 2)]  # fmt: skip
    for n, pid in enumerate(pids):
        clinic.book(pid, at(1, 8 + n))
    mailer: dict[str, Sender] = {
        "email": SmtpSender("127.0.0.1", free_port(), "desk@moda.example", security="none")
    }
    done = dispatch.run(clinic.db, clinic.clock, mailer)
    assert [i.state for i in done.items] == ["retrying"] * 2
    assert sorted(r.attempts for r in rows(clinic).values()) == [0, 1]
    clinic.clock.advance(minutes=1)
    now = clinic.clock.now()
    clinic.set(station="B")  # the station's code, this PC's once it syncs (below)
    with clinic.db.write() as s:
        s.add(SyncState(id=1, server_url="https://x", clinic_id="c", device_id="d",
                        device_code="B", device_name="B", private_key=b"k",
                        last_sync_at=now - timedelta(hours=1), accepted_change=base,
                        pushed_change=changefeed.last_seq(s)))  # fmt: skip
        s.add(ReminderHandover(kind="lease", cutoff=now, mark=None, pushed=base,
                               updated_at=now))  # fmt: skip
    return pids[0], pids[1], mailer


def lease_b(preferred: bool, ttl: timedelta) -> station.Hold:
    return station.Hold(True, "B", at(0, 10, 1))  # taken over at 10:01


def test_a_message_waiting_behind_then_held_for_a_push_keeps_its_retry_and_gives_up_logged(
    clinic: Clinic,
) -> None:
    """Held for the push's answer, the message that waited behind kept its ``retry:``
    reason (before the fix "awaiting_push" replaced it: with no try counted it was no
    longer one tried in vain, nor one the network's return sends at once). The answer
    comes at 10:15, past its late limit: it fails as given up, logged, as the one tried
    does; before, it was skipped as "late", with no entry in the patient's log."""
    first, second, mailer = waiting_behind_then_held_for_a_push(clinic)
    done = dispatch.run(clinic.db, clinic.clock, mailer, lease=lease_b)
    assert done.active and done.items == [] and sends(clinic, "email") == 1
    found = rows(clinic)
    assert (found[second].state, found[second].reason) == ("pending", "retry:unreachable")
    assert reminders.status(clinic.db).waiting == (("email", "unreachable"),)
    clinic.clock.set(at(0, 10, 15))
    with clinic.db.write() as s:
        sync = s.get(SyncState, 1)
        assert sync is not None
        sync.accepted_change = sync.pushed_change  # the endpoint answered the batch
    done = dispatch.run(clinic.db, clinic.clock, mailer, lease=lease_b)
    assert (
        sorted((i.state, i.reason) for i in done.items)
        == [("failed", "retried_until_late:unreachable")] * 2
    )
    for pid in (first, second):
        (entry,) = commlog.listing(clinic.db, clinic.ctx, pid)
        assert entry.entry.reason == "retried_until_late:unreachable"


def test_a_message_tried_in_vain_and_held_for_a_push_is_unknown_at_the_start(
    clinic: Clinic,
) -> None:
    """The batch is refused every round until the starts (08:00, 09:00 the next day): a
    message never tried is skipped as held back (no entry, as before); these two were
    tried in vain here (one counted, one waiting behind), but the PC that sent before
    may have seen the bookings and sent them: whether the patients got them is unknown,
    for a person (``push_unanswered``), not "failed" in their communication logs as if
    nobody had sent them (before the fix: ``retried_until_start:unreachable``, logged as
    not sent). Neither is held for ever."""
    first, second, mailer = waiting_behind_then_held_for_a_push(clinic)
    clinic.set(late_limit_minutes=1440)
    dispatch.run(clinic.db, clinic.clock, mailer, lease=lease_b)
    clinic.clock.set(at(1, 9))
    done = dispatch.run(clinic.db, clinic.clock, mailer, lease=lease_b)
    assert [(i.state, i.reason) for i in done.items] == [("unknown", "push_unanswered")] * 2
    found = rows(clinic)
    assert {(r.state, r.reason) for r in found.values()} == {("unknown", "push_unanswered")}
    for pid in (first, second):
        assert commlog.listing(clinic.db, clinic.ctx, pid) == []
        said = str(found[pid].explained)
        assert said.startswith("Unknown:") and "may have" in said and "sent" in said
    assert sends(clinic, "email") == 1  # nothing tried again meanwhile
