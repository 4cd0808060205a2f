"""A test message through each reminder channel (issue #14): through the senders
dispatch uses (``sync.channels.build.Senders``), against the loopback servers: aiosmtpd
with a sign-in, and HTTP servers answering as Twilio's and Meta's documentation say.
Sent, refused credentials (their documented error bodies), an unreachable host, a
refused role; audited without the address, and nothing else written."""

from __future__ import annotations

import pytest
from channelservers import (
    ACCOUNT,
    INVALID,
    TOKEN,
    WA_PHONE_ID,
    WA_TOKEN,
    free_port,
    http_server,
    rate_limited,
    smtp_server,
    twilio_route,
    whatsapp_route,
)
from factories import actor_ctx
from reminderclinic import make
from sqlalchemy import func, select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied, ValidationError
from receptionist.models import AuditEvent, CommunicationEntry, Reminder
from receptionist.ops import channeltest, reminders
from receptionist.reminders import config
from receptionist.store.storage import Database
from sync.channels.build import Senders

PASSWORD = "s3cret"
TO_MAIL = "ayse.test@example.org"
TO_PHONE = "+905321112233"


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


AUTH = {"authenticator": _authenticator, "auth_require_tls": False}


@pytest.fixture(autouse=True)
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> None:
    """Moda (Istanbul, region TR), reminders on, no appointment: nothing to send."""
    make(db, ctx, clock)


def clinic_name(db: Database) -> str:
    with db.read() as s:
        return config.load(s).clinic_name


def set_email(db: Database, ctx: Ctx, port: int, password: str, security: str = "none") -> None:
    reminders.set_channel(
        db, ctx, "email",
        {"host": "127.0.0.1", "port": port, "security": security,
         "sender": "desk@moda.example", "username": "desk"}, password,
    )  # fmt: skip


def set_http(db: Database, ctx: Ctx, channel: str, url: str, token: str | None) -> None:
    account = ACCOUNT if channel == "sms" else WA_PHONE_ID
    values = {"base_url": url, "account": account}
    if channel == "sms":
        values["sender"] = "+15005550006"
    reminders.set_channel(db, ctx, channel, values, token)


def test_channel(db: Database, ctx: Ctx, channel: str, to: str) -> channeltest.TestResult:
    return channeltest.test_channel(db, ctx, channel, to, Senders(db))


test_channel.__test__ = False  # type: ignore[attr-defined]


def events(db: Database, action: str) -> list[tuple[str | None, str | None]]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEvent.entity_type, AuditEvent.entity_id).where(AuditEvent.action == action)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def nothing_else_written(db: Database) -> None:
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Reminder)) == 0
        assert s.scalar(select(func.count()).select_from(CommunicationEntry)) == 0


def test_an_email_test_goes_through_the_signed_in_server(db: Database, ctx: Ctx) -> None:
    with smtp_server(**AUTH) as (port, inbox):
        set_email(db, ctx, port, PASSWORD)
        done = test_channel(db, ctx, "email", TO_MAIL)
    assert done.sent and done.code == "" and "channel-test" in done.provider_id
    assert str(done.said).startswith("Sent: the e-mail server took the test message")
    (mail,) = inbox.mails
    assert mail["To"] == TO_MAIL and mail["From"] == "desk@moda.example"
    body = mail.get_payload(decode=True).decode("utf-8").strip()
    assert body == f"Test message from {clinic_name(db)} — Receptionist"
    assert events(db, channeltest.SENT) == [("channel", "email")]
    assert events(db, channeltest.FAILED) == []
    nothing_else_written(db)


def test_a_wrong_email_password_says_to_check_it_in_settings(db: Database, ctx: Ctx) -> None:
    with smtp_server(**AUTH) as (port, inbox):
        set_email(db, ctx, port, "not-the-password")
        done = test_channel(db, ctx, "email", TO_MAIL)
    assert not done.sent and done.code == "refused_credentials" and inbox.mails == []
    said = str(done.said)
    assert said.startswith(f"Not sent: 127.0.0.1:{port} refused the e-mail password.")
    assert "Check the e-mail password in Settings > Clinic > Message channels" in said
    assert events(db, channeltest.FAILED) == [("channel", "email")]
    # A test is no dispatch: the channel is not stopped, nothing is queued.
    assert reminders.status(db).attention == ()
    nothing_else_written(db)


def test_an_unreachable_mail_server_is_named(db: Database, ctx: Ctx) -> None:
    port = free_port()  # nothing listens there
    set_email(db, ctx, port, PASSWORD)
    done = test_channel(db, ctx, "email", TO_MAIL)
    assert not done.sent and done.code == "unreachable"
    assert f"127.0.0.1:{port} could not be reached" in str(done.said)


def test_tls_against_a_plain_server_says_what_to_choose(db: Database, ctx: Ctx) -> None:
    with smtp_server(**AUTH) as (port, inbox):
        set_email(db, ctx, port, PASSWORD, security="tls")
        done = test_channel(db, ctx, "email", TO_MAIL)
    assert not done.sent and done.code == "tls_failed" and inbox.mails == []
    assert "Not sent: the encrypted connection to the e-mail server failed" in str(done.said)


def test_an_sms_test_goes_through_twilio(db: Database, ctx: Ctx) -> None:
    with http_server(twilio_route) as (url, server):
        set_http(db, ctx, "sms", url, TOKEN)
        done = test_channel(db, ctx, "sms", "0532 111 22 33")  # the clinic's region: TR
    (got,) = server.messages
    assert done.sent and done.provider_id == got["sid"]
    assert got["to"] == TO_PHONE
    assert got["body"] == f"Test message from {clinic_name(db)} — Receptionist"
    assert events(db, channeltest.SENT) == [("channel", "sms")]
    nothing_else_written(db)


def test_a_wrong_sms_token_is_twilios_20003(db: Database, ctx: Ctx) -> None:
    with http_server(twilio_route) as (url, server):
        set_http(db, ctx, "sms", url, "not-the-token")
        done = test_channel(db, ctx, "sms", TO_PHONE)
    assert not done.sent and done.code == "refused_credentials" and server.messages == []
    host = url.removeprefix("http://")  # the provider named by its host and port
    assert str(done.said).startswith(
        f"Not sent: {host} refused the SMS token. Check the SMS token in Settings > Clinic "
        "> Message channels (SMS token; or receptionist channels set sms)"
    )
    assert events(db, channeltest.FAILED) == [("channel", "sms")]


def test_twilios_invalid_number_and_rate_limit_are_said(db: Database, ctx: Ctx) -> None:
    with http_server(twilio_route) as (url, server):
        set_http(db, ctx, "sms", url, TOKEN)
        invalid = test_channel(db, ctx, "sms", INVALID)
        server.script.append(rate_limited(30))
        limited = test_channel(db, ctx, "sms", TO_PHONE)
    assert invalid.code == "invalid_number" and "not a valid mobile number" in str(invalid.said)
    assert not limited.sent and "a rate limit" in str(limited.said)
    assert server.messages == []


def test_a_whatsapp_test_goes_through_meta(db: Database, ctx: Ctx) -> None:
    with http_server(whatsapp_route) as (url, server):
        server.open_windows.add(TO_PHONE.lstrip("+"))  # the phone wrote to the clinic
        set_http(db, ctx, "whatsapp", url + "/v21.0", WA_TOKEN)
        done = test_channel(db, ctx, "whatsapp", TO_PHONE)
    (got,) = server.messages
    assert done.sent and done.provider_id == got["id"] and got["type"] == "text"
    assert got["body"] == f"Test message from {clinic_name(db)} — Receptionist"


def test_a_wrong_whatsapp_token_is_metas_190(db: Database, ctx: Ctx) -> None:
    with http_server(whatsapp_route) as (url, server):
        set_http(db, ctx, "whatsapp", url + "/v21.0", "expired")
        done = test_channel(db, ctx, "whatsapp", TO_PHONE)
        set_http(db, ctx, "whatsapp", url + "/v21.0", WA_TOKEN)
        closed = test_channel(db, ctx, "whatsapp", TO_PHONE)  # no message from it in 24 h
    assert not done.sent and done.code == "refused_credentials" and server.messages == []
    assert "Check the WhatsApp token in Settings > Clinic > Message channels" in str(done.said)
    assert not closed.sent and closed.code == "outside_window"
    assert "the WhatsApp token and phone number ID work" in str(closed.said)


def test_a_token_not_on_this_pc_is_said_before_any_request(db: Database, ctx: Ctx) -> None:
    with http_server(twilio_route) as (url, server):
        set_http(db, ctx, "sms", url, None)
        done = test_channel(db, ctx, "sms", TO_PHONE)
    assert not done.sent and server.messages == []
    assert "the SMS token is not on this PC" in str(done.said)


def test_a_receptionist_may_not_send_a_test(db: Database, ctx: Ctx, clock: FixedClock) -> None:
    with http_server(twilio_route) as (url, server):
        set_http(db, ctx, "sms", url, TOKEN)
        desk = actor_ctx("receptionist", clock, user_id="desk-1")
        with pytest.raises(PermissionDenied, match="cannot send a test message"):
            test_channel(db, desk, "sms", TO_PHONE)
    assert server.messages == []
    assert events(db, channeltest.SENT) == events(db, channeltest.FAILED) == []


def test_bad_input_is_refused_before_anything_goes(db: Database, ctx: Ctx) -> None:
    with pytest.raises(ValidationError, match="The sms channel is not set up") as e:
        test_channel(db, ctx, "sms", TO_PHONE)
    assert e.value.field == "channel"
    with http_server(twilio_route) as (url, server):
        set_http(db, ctx, "sms", url, TOKEN)
        with pytest.raises(ValidationError, match="number is not a phone number") as e:
            test_channel(db, ctx, "sms", "call me")
    assert e.value.field == "to" and server.messages == []
    with smtp_server(**AUTH) as (port, inbox):
        set_email(db, ctx, port, PASSWORD)
        with pytest.raises(ValidationError, match="not an e-mail address") as e:
            test_channel(db, ctx, "email", "ayse at example")
    assert e.value.field == "to" and inbox.mails == []
