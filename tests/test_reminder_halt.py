"""A provider that refuses the clinic's credentials stops its channel: SMTP 535 (a real
aiosmtpd server), Twilio 401 / 20003 and Meta 401 / 190 (loopback servers answering
as their documentation says). The messages stay queued, never failed; the status, the
dispatch job's record and the round say so; saving the credentials again resumes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from channelservers import (
    ACCOUNT,
    PORTAL,
    TOKEN,
    WA_PHONE_ID,
    WA_SETTING,
    WA_TOKEN,
    http_server,
    meta_error,
    not_the_provider,
    smtp_server,
    twilio_error,
    twilio_route,
    whatsapp_route,
)
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select, update

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs.runner import Runner
from receptionist.models import ClinicSetting, JobRun
from receptionist.ops import commlog, reminders, settings
from receptionist.reminders import dispatch, halt
from receptionist.reminders.channels import Sender
from receptionist.reminders.reasons import explain
from receptionist.store.storage import Database
from sync.channels import build
from sync.channels.smtp import SmtpSender
from sync.channels.twilio import TwilioSender
from sync.channels.whatsapp import WhatsAppSender
from sync.jobs import REMINDERS


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="")  # only the booking confirmations: one message per booking
    return made


def book_three(clinic: Clinic, **patient: Any) -> list[str]:
    pids = [clinic.patient(n, **patient) for n in (1, 2, 3)]
    for n, pid in enumerate(pids):
        clinic.book(pid, at(3, 9 + n))
    return pids


def by_state(clinic: Clinic) -> dict[str, int]:
    found: dict[str, int] = {}
    for row in reminders.listing(clinic.db, clinic.ctx):
        found[row.state] = found.get(row.state, 0) + 1
    return found


def assert_stopped(
    clinic: Clinic,
    channel: str,
    senders: dict[str, Sender],
    said: str = "needs attention: the provider refused the credentials",
) -> None:
    done = dispatch.run(clinic.db, clinic.clock, senders)
    assert done.halted == {channel}
    assert done.of("failed") == [] and done.of("sent") == []
    assert len(done.of("held")) == 3
    assert by_state(clinic) == {"pending": 3}
    status = reminders.status(clinic.db)
    assert status.attention == (channel,) and status.queued == 3 and status.failed == 0
    (words,) = status.attention_texts()
    assert said in str(words)
    # The next round does not ask the provider again.
    clinic.clock.advance(minutes=1)
    again = dispatch.run(clinic.db, clinic.clock, senders)
    assert again.items == [] and again.halted == {channel}


def test_a_refused_twilio_token_stops_sms_and_keeps_the_messages_queued(clinic: Clinic) -> None:
    pids = book_three(clinic)
    with http_server(twilio_route) as (url, server):
        wrong = TwilioSender(url, ACCOUNT, SENDER, "not-the-token")
        assert_stopped(clinic, "sms", {"sms": wrong})
        assert server.messages == []
        assert all(commlog.listing(clinic.db, clinic.ctx, pid) == [] for pid in pids)
        reminders.set_channel(
            clinic.db, clinic.ctx, "sms",
            {"base_url": url, "account": ACCOUNT, "sender": SENDER}, TOKEN,
        )  # fmt: skip
        assert reminders.status(clinic.db).attention == ()
        right = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        done = dispatch.run(clinic.db, clinic.clock, {"sms": right})
    assert len(done.of("sent")) == 3 and done.halted == set()
    assert len(server.messages) == 3
    assert by_state(clinic) == {"sent": 3}


def test_a_refused_meta_token_stops_whatsapp(clinic: Clinic) -> None:
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    book_three(clinic, consents=("reminder_whatsapp",))
    with http_server(whatsapp_route) as (url, server):
        expired = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, "expired")
        assert_stopped(clinic, "whatsapp", {"whatsapp": expired})
        assert server.messages == []
        settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_token": WA_TOKEN})
        fresh = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN)
        done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": fresh})
    assert len(done.of("sent")) == 3 and len(server.messages) == 3


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


def test_an_smtp_535_stops_email(clinic: Clinic) -> None:
    book_three(clinic, email="hasta@example.org", consents=("reminder_email",))
    options = {"authenticator": _authenticator, "auth_require_tls": False}
    with smtp_server(**options) as (port, inbox):

        def mailer(password: str) -> SmtpSender:
            return SmtpSender(
                "127.0.0.1", port, "desk@moda.example", security="none", username="desk",
                password=password,
            )  # fmt: skip

        assert_stopped(clinic, "email", {"email": mailer("wrong")})
        assert inbox.mails == []
        settings.set_many(clinic.db, clinic.ctx, {"channels.email_password": "s3cret"})
        done = dispatch.run(clinic.db, clinic.clock, {"email": mailer("s3cret")})
    assert len(done.of("sent")) == 3 and len(inbox.mails) == 3


def test_an_smtp_server_without_starttls_stops_email_and_says_what_to_fix(
    clinic: Clinic,
) -> None:
    """The default security (starttls) against a plain relay: nothing is sent, nothing
    is "unknown"; the channel stops, the job's record, the status and each message say
    what to choose; saving the settings again sends them all."""
    book_three(clinic, email="hasta@example.org", consents=("reminder_email",))
    with smtp_server() as (port, inbox):

        def set_up(security: str) -> None:
            reminders.set_channel(
                clinic.db, clinic.ctx, "email",
                {"host": "127.0.0.1", "port": port, "security": security,
                 "sender": "desk@moda.example", "username": ""}, None,
            )  # fmt: skip

        set_up("starttls")
        (ran,) = Runner([REMINDERS]).run_due(clinic.db, clinic.clock)
        assert ran.counts["tls_not_offered_email"] == 1 and ran.counts["held"] == 3
        assert ran.counts["failed"] == 0 and inbox.mails == []
        status = reminders.status(clinic.db)
        assert status.attention == ("email",) and status.failed == 0
        (words,) = status.attention_texts()
        assert "does not offer STARTTLS" in str(words) and "--security none" in str(words)
        rows = reminders.listing(clinic.db, clinic.ctx)
        assert {(r.state, r.reason) for r in rows} == {("pending", "setup:tls_not_offered")}
        assert "Waiting: nothing was sent" in str(rows[0].explained)
        set_up("none")
        assert reminders.status(clinic.db).attention == ()
        clinic.clock.advance(minutes=1)
        (ran,) = Runner([REMINDERS]).run_due(clinic.db, clinic.clock)
    assert ran.counts["sent"] == 3 and len(inbox.mails) == 3


def test_a_sender_twilio_refuses_stops_sms_instead_of_failing_each_message(
    clinic: Clinic,
) -> None:
    """Twilio 21606 (and 21212, sorted alike: ``test_twilio_errors_are_sorted``): the
    From is wrong for every message, so the channel stops until it is set again."""
    pids = book_three(clinic)
    with http_server(twilio_route) as (url, server):
        refusal = "The From phone number is not a valid, SMS-capable inbound phone number"
        server.script.append(twilio_error(21606, 400, refusal))
        sender = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        assert_stopped(clinic, "sms", {"sms": sender}, "Twilio error 21606")
        assert all(commlog.listing(clinic.db, clinic.ctx, pid) == [] for pid in pids)
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_sender": "+15005550007"})
        done = dispatch.run(clinic.db, clinic.clock, {"sms": sender})
    assert len(done.of("sent")) == 3 and len(server.messages) == 3


def test_another_channel_goes_on_while_one_is_stopped(clinic: Clinic) -> None:
    clinic.book(clinic.patient(1), at(3, 9))
    clinic.book(clinic.patient(2, email="b@example.org", consents=("reminder_email",)), at(3, 10))
    with http_server(twilio_route) as (url, _), smtp_server() as (port, inbox):
        senders: dict[str, Sender] = {
            "sms": TwilioSender(url, ACCOUNT, SENDER, "wrong"),
            "email": SmtpSender("127.0.0.1", port, "desk@moda.example", security="none"),
        }
        done = dispatch.run(clinic.db, clinic.clock, senders)
    assert done.halted == {"sms"} and [i.channel for i in done.of("sent")] == ["email"]
    assert len(inbox.mails) == 1


@pytest.fixture
def refusing_twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with http_server(twilio_route) as (url, _):
        yield url


def test_the_dispatch_job_s_record_says_a_channel_needs_attention(
    clinic: Clinic, refusing_twilio: str
) -> None:
    book_three(clinic)
    reminders.set_channel(
        clinic.db, clinic.ctx, "sms",
        {"base_url": refusing_twilio, "account": ACCOUNT, "sender": SENDER}, "wrong-token",
    )  # fmt: skip
    (ran,) = Runner([REMINDERS]).run_due(clinic.db, clinic.clock)
    assert ran.outcome == "ok"
    assert ran.counts["needs_attention"] == 1 and ran.counts["credentials_refused_sms"] == 1
    assert ran.counts["failed"] == 0 and ran.counts["held"] == 3
    with clinic.db.read() as s:
        record = s.scalars(select(JobRun).where(JobRun.job == REMINDERS.name)).one()
        assert json.loads(record.counts)["credentials_refused_sms"] == 1
    with clinic.db.read() as s:
        assert halt.halted(s) == {"sms"}


def test_a_message_waiting_on_a_stopped_channel_is_skipped_once_its_appointment_began(
    clinic: Clinic,
) -> None:
    """Not left "waiting for the credentials" for ever, to go late or never: the first
    round after the appointment's start skips it, as it skips any message then."""
    book_three(clinic)
    with http_server(twilio_route) as (url, server):
        wrong: dict[str, Sender] = {"sms": TwilioSender(url, ACCOUNT, SENDER, "wrong")}
        assert dispatch.run(clinic.db, clinic.clock, wrong).halted == {"sms"}
        clinic.clock.set(at(3, 10, 30))  # the first two appointments began
        done = dispatch.run(clinic.db, clinic.clock, wrong)
        assert [(i.state, i.reason) for i in done.items] == [("skipped", "started")] * 2
        assert by_state(clinic) == {"skipped": 2, "pending": 1}
        assert done.halted == {"sms"} and reminders.status(clinic.db).attention == ("sms",)
        # Resumed: the last confirmation, days past its time, is not sent late either.
        right = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})
        done = dispatch.run(clinic.db, clinic.clock, {"sms": right})
        assert [(i.state, i.reason) for i in done.items] == [("skipped", "late")]
    assert server.messages == []


def test_credentials_saved_while_a_round_runs_resume_the_channel_in_that_round(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The round asks whether a channel is stopped as each message goes, not once at
    its start: credentials saved meanwhile (the desk, while the station's round runs)
    must not see the round hold the next message, stopping the channel again."""
    clinic.book(clinic.patient(1), at(3, 9))
    with http_server(twilio_route) as (url, server):
        wrong: dict[str, Sender] = {"sms": TwilioSender(url, ACCOUNT, SENDER, "wrong")}
        assert dispatch.run(clinic.db, clinic.clock, wrong).halted == {"sms"}
        clinic.book(clinic.patient(2), at(3, 10))
        real_due = dispatch._due

        def saved_meanwhile(*args: Any) -> list[str]:
            settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})
            return real_due(*args)

        monkeypatch.setattr(dispatch, "_due", saved_meanwhile)
        right = TwilioSender(url, ACCOUNT, SENDER, TOKEN)
        done = dispatch.run(clinic.db, clinic.clock, {"sms": right})
    assert len(done.of("sent")) == 2 and done.halted == set()
    assert len(server.messages) == 2 and reminders.status(clinic.db).attention == ()


def test_a_proxy_s_401_is_retried_and_does_not_stop_the_channel(clinic: Clinic) -> None:
    """A captive portal's or a proxy's 401/407 page is not the provider refusing the
    clinic's credentials: the messages retry with backoff, the channel goes on, and
    the Reminders view says what was seen."""
    book_three(clinic)
    with http_server(twilio_route) as (url, server):
        server.script += [not_the_provider(401, "text/html", PORTAL)] * 3
        sender: dict[str, Sender] = {"sms": TwilioSender(url, ACCOUNT, SENDER, TOKEN)}
        done = dispatch.run(clinic.db, clinic.clock, sender)
        assert done.halted == set() and reminders.status(clinic.db).attention == ()
        assert [(i.state, i.reason) for i in done.items] == [
            ("retrying", "retry:not_provider_401")
        ] * 3
        row = reminders.listing(clinic.db, clinic.ctx)[0]
        assert row.explained is not None and "HTTP 401: a proxy" in str(row.explained)
        clinic.clock.advance(minutes=2)  # the backoff passed; the portal is gone
        again = dispatch.run(clinic.db, clinic.clock, sender)
    assert len(again.of("sent")) == 3 and len(server.messages) == 3


def test_credentials_saved_mid_round_are_used_by_that_round_s_next_message(
    clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's senders (``build.Senders``) are checked as each message goes: the
    first message meets a refused token; the desk saves the right one while the round
    runs; the round's next message goes with it (a sender made once per round kept the
    refused token and stopped the channel again)."""
    book_three(clinic)
    with http_server(twilio_route) as (url, server):
        reminders.set_channel(
            clinic.db, clinic.ctx, "sms",
            {"base_url": url, "account": ACCOUNT, "sender": SENDER}, "wrong-token",
        )  # fmt: skip
        real_one = dispatch._one

        def saved_after_the_refusal(*args: Any) -> dispatch.Item | None:
            item = real_one(*args)
            if item is not None and item.state == "held":  # the desk re-enters the token
                settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})
            return item

        monkeypatch.setattr(dispatch, "_one", saved_after_the_refusal)
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert [i.state for i in done.items] == ["held", "sent", "sent"]
        assert done.halted == set() and len(server.messages) == 2
        clinic.clock.advance(minutes=1)
        later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent"] and len(server.messages) == 3


OLD_SMS_SENDER = "0212 555 12 34"  # national form: saved before today's check, refused now
# E.164's shape, no country's number (session 15's pattern took it): refused now too.
NO_NUMBER = "+905001"


def save_as_before(clinic: Clinic, key: str, value: str) -> None:
    """``value`` straight into the setting's row, as an older version (or a setting
    synced from another PC) left it: no check, no audit."""
    with clinic.db.write() as s:
        s.execute(
            update(ClinicSetting).where(ClinicSetting.key == key).values(value=json.dumps(value))
        )


@pytest.mark.parametrize("old", [OLD_SMS_SENDER, NO_NUMBER])
def test_an_sms_sender_saved_before_the_check_stops_sms_instead_of_going_quiet(
    clinic: Clinic, old: str
) -> None:
    """A sender the old rule took and today's refuses reads as empty: the round stops
    SMS on it (held, never failed or skipped, nothing sent), its words name the sender
    and where to fix it, in the round, the status, the list and the setting's entry;
    saving a right one resumes the channel."""
    book_three(clinic)
    with http_server(twilio_route) as (url, server):
        reminders.set_channel(
            clinic.db, clinic.ctx, "sms",
            {"base_url": url, "account": ACCOUNT, "sender": SENDER}, TOKEN,
        )  # fmt: skip
        save_as_before(clinic, "channels.sms_sender", old)
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert server.messages == []
        assert [i.state for i in done.items] == ["held"] * 3
        assert done.causes == {"sms": halt.SENDER_SAVED}
        fix = "receptionist settings set channels.sms_sender NUMBER"
        said = str(done.attention("sms"))
        assert f"'{old}'" in said and fix in said and "Message channels" in said
        assert by_state(clinic) == {"pending": 3}
        rows = reminders.listing(clinic.db, clinic.ctx)
        assert {r.reason for r in rows} == {halt.SENDER_SAVED}
        assert all(f"'{old}'" in str(r.explained) for r in rows)
        status = reminders.status(clinic.db)
        assert status.attention == ("sms",) and status.queued == 3 and status.failed == 0
        assert f"'{old}'" in str(status.attention_texts()[0])
        entry = settings.get(clinic.db, clinic.ctx, "channels.sms_sender")
        assert entry.value == old and entry.refused is not None
        assert "international form" in str(entry.refused)
        clinic.clock.advance(minutes=1)  # still refused: still stopped, nothing asked
        again = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert again.items == [] and again.halted == {"sms"}
        reminders.set_channel(clinic.db, clinic.ctx, "sms", {"sender": SENDER}, None)
        assert reminders.status(clinic.db).attention == ()
        later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert len(later.of("sent")) == 3 and len(server.messages) == 3
    assert {m["from"] for m in server.messages} == {SENDER}
    assert settings.get(clinic.db, clinic.ctx, "channels.sms_sender").refused is None


def test_a_whatsapp_number_id_saved_before_the_check_stops_whatsapp_instead_of_going_quiet(
    clinic: Clinic,
) -> None:
    """The WhatsApp sender is the number's ID (Meta sends from it): a phone number saved
    there before its check read as empty, and WhatsApp was not set up at all (its
    patients skipped, "no_channel"). It stops WhatsApp now, quoting it and the fix; a
    right ID saved resumes the channel."""
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    book_three(clinic, consents=("reminder_whatsapp",))
    old = "+90 500 111 22 33"
    with http_server(whatsapp_route) as (url, server):
        reminders.set_channel(
            clinic.db, clinic.ctx, "whatsapp",
            {"base_url": url + "/v21.0", "account": WA_PHONE_ID}, WA_TOKEN,
        )  # fmt: skip
        save_as_before(clinic, "channels.whatsapp_account", old)
        assert reminders.channel_setup(clinic.db).whatsapp is not None
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert server.messages == [] and [i.state for i in done.items] == ["held"] * 3
        assert done.causes == {"whatsapp": halt.SENDER_SAVED}
        said = str(done.attention("whatsapp"))
        fix = "receptionist settings set channels.whatsapp_account ID"
        assert f"'{old}'" in said and fix in said and "Message channels" in said, said
        assert reminders.status(clinic.db).attention == ("whatsapp",)
        entry = settings.get(clinic.db, clinic.ctx, "channels.whatsapp_account")
        assert entry.value == old and entry.refused is not None
        reminders.set_channel(clinic.db, clinic.ctx, "whatsapp", {"account": WA_PHONE_ID}, None)
        assert reminders.status(clinic.db).attention == ()
        later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert len(later.of("sent")) == 3 and len(server.messages) == 3


def test_a_whatsapp_number_saved_before_the_check_is_shown_and_stops_nothing(
    clinic: Clinic,
) -> None:
    """Meta's Cloud API sends from the number's id (the account), never from the number
    itself: a number the check refuses now is shown refused in Settings, and WhatsApp
    goes on sending (neither stopped nor gone quiet)."""
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    book_three(clinic, consents=("reminder_whatsapp",))
    with http_server(whatsapp_route) as (url, server):
        reminders.set_channel(
            clinic.db, clinic.ctx, "whatsapp",
            {"base_url": url + "/v21.0", "account": WA_PHONE_ID, "sender": "+905001112233"},
            WA_TOKEN,
        )  # fmt: skip
        save_as_before(clinic, "channels.whatsapp_sender", NO_NUMBER)
        entry = settings.get(clinic.db, clinic.ctx, "channels.whatsapp_sender")
        assert entry.value == NO_NUMBER and "international form" in str(entry.refused)
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert len(done.of("sent")) == 3 and done.causes == {} and len(server.messages) == 3
    assert reminders.status(clinic.db).attention == ()


def test_an_email_sender_saved_before_the_check_stops_email_until_it_is_right(
    clinic: Clinic,
) -> None:
    """An e-mail sender that is no address left the e-mail channel not set up at all
    (so a patient reachable only by e-mail was skipped, "no_channel"): it stops e-mail
    now; a right sender arriving unaudited (synced from another PC) resumes it at the
    next round."""
    (pid,) = [clinic.patient(1, email="hasta@example.org", consents=("reminder_email",))]
    clinic.book(pid, at(3, 9))
    with smtp_server() as (port, inbox):
        reminders.set_channel(
            clinic.db, clinic.ctx, "email",
            {"host": "127.0.0.1", "port": port, "security": "none",
             "sender": "desk@moda.example"}, None,
        )  # fmt: skip
        save_as_before(clinic, "channels.email_sender", "Moda Dental desk at moda")
        assert reminders.channel_setup(clinic.db).email is not None
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert [(i.state, i.reason) for i in done.items] == [("held", halt.SENDER_SAVED)]
        assert "'Moda Dental desk at moda'" in str(done.attention("email"))
        save_as_before(clinic, "channels.email_sender", "desk@moda.example")
        later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent"] and len(inbox.mails) == 1


def test_a_phone_number_id_meta_does_not_know_stops_whatsapp(clinic: Clinic) -> None:
    """A well-formed phone-number ID that is not the clinic's (mistyped, or the number
    deleted in WhatsApp Manager): Graph answers 100 with subcode 33 ("Object with ID
    ... does not exist") to every message. The channel stops saying so, the messages
    wait; the right ID saved resumes it."""
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    pids = book_three(clinic, consents=("reminder_whatsapp",))
    with http_server(whatsapp_route) as (url, server):
        wrong = WhatsAppSender(url + "/v21.0", "106540352242923", WA_TOKEN)
        assert_stopped(clinic, "whatsapp", {"whatsapp": wrong}, "phone number ID")
        said = str(reminders.status(clinic.db).attention_texts()[0])
        assert "WhatsApp Manager" in said and "106540352242923" not in said, said
        assert server.messages == []
        assert all(commlog.listing(clinic.db, clinic.ctx, pid) == [] for pid in pids)
        settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_account": WA_PHONE_ID})
        assert reminders.status(clinic.db).attention == ()
        right = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN)
        done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": right})
    assert len(done.of("sent")) == 3 and len(server.messages) == 3


@pytest.mark.parametrize(
    ("code", "title", "said"),
    [(368, "Temporarily blocked for policies violations", "restricted"),
     (131031, "Business Account locked", "locked"),
     (131042, "Business eligibility payment issue", "payment method")],
)  # fmt: skip
def test_meta_s_account_problems_stop_whatsapp_until_fixed_in_whatsapp_manager(
    clinic: Clinic, code: int, title: str, said: str
) -> None:
    """The clinic's WhatsApp account restricted (368), locked (131031) or without a
    working payment method (131042) refuses every message: the channel stops with what
    is wrong and where to fix it (Meta's WhatsApp Manager), the messages wait, not
    failed; the settings saved again once it is fixed resume it."""
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    book_three(clinic, consents=("reminder_whatsapp",))
    with http_server(whatsapp_route) as (url, server):
        server.script.append(meta_error(code, 400, title))
        sender = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN)
        assert_stopped(clinic, "whatsapp", {"whatsapp": sender}, said)
        words = str(reminders.status(clinic.db).attention_texts()[0])
        assert "WhatsApp Manager" in words and str(code) in words, words
        (row,) = {r.reason for r in reminders.listing(clinic.db, clinic.ctx)}
        explained = str(explain(row, "whatsapp"))
        assert row.startswith(halt.SETUP_PREFIX) and said in explained, explained
        settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_token": WA_TOKEN})
        done = dispatch.run(clinic.db, clinic.clock, {"whatsapp": sender})
    assert len(done.of("sent")) == 3 and len(server.messages) == 3
