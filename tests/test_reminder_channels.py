"""The channel senders against loopback servers: a real SMTP server (aiosmtpd) with no
security, STARTTLS and TLS, and HTTP servers answering as Twilio's and Meta's
documentation say. Each failure is sorted: transient, permanent or unknown."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from channelservers import (
    ACCOUNT,
    INVALID,
    OPTED_OUT,
    PORTAL,
    PROXY_JSON,
    TOKEN,
    WA_PHONE_ID,
    WA_TOKEN,
    free_port,
    http_server,
    meta_error,
    not_the_provider,
    rate_limited,
    smtp_server,
    twilio_error,
    twilio_route,
    whatsapp_route,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from receptionist.errors import ValidationError
from receptionist.ops.reminders import ChannelSetup, EmailSetup, HttpSetup
from receptionist.reminders import halt
from receptionist.reminders.channels import Lost, Outgoing
from receptionist.reminders.channelsettings import (
    sms_sender_rule,
    url_rule,
    whatsapp_id_rule,
    whatsapp_sender_rule,
)
from sync.channels import twilio as twilio_module
from sync.channels.build import senders
from sync.channels.smtp import SmtpSender
from sync.channels.twilio import TwilioSender
from sync.channels.whatsapp import WhatsAppSender

NOW = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def message(to: str, body: str = "Merhaba Ayşe, randevunuz yarın 10:00.") -> Outgoing:
    return Outgoing("r-1", "sms", to, "Hatırlatma", body, NOW)


# -- e-mail ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2020, 1, 1))
        .not_valid_after(dt.datetime(2099, 1, 1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return folder / "cert.pem", folder / "key.pem"


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def client_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def mail(to: str = "ayse@example.org") -> Outgoing:
    return Outgoing("rem-42", "email", to, "Hatırlatma: 3 Mart", "Merhaba Ayşe,\nAdres: Moda", NOW)


def test_email_without_security_reaches_the_server() -> None:
    with smtp_server() as (port, inbox):
        sender = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
        outcome = sender.send(mail())
    assert outcome.status == "sent" and "rem-42" in outcome.provider_id
    (got,) = inbox.mails
    assert got["To"] == "ayse@example.org" and got["From"] == "desk@moda.example"
    assert str(got["Subject"]).startswith("=?utf-8?") or "Hatırlatma" in str(got["Subject"])
    assert "Merhaba Ayşe" in got.get_payload(decode=True).decode("utf-8")


def _authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


def test_email_over_starttls_with_a_password(certificate: tuple[Path, Path]) -> None:
    options = {
        "tls_context": server_context(certificate),
        "require_starttls": True,
        "authenticator": _authenticator,
        "auth_required": True,
    }
    with smtp_server(server_hostname="localhost", **options) as (port, inbox):
        good = SmtpSender(
            "localhost", port, "desk@moda.example", security="starttls",
            username="desk", password="s3cret", context=client_context(certificate),
        )  # fmt: skip
        assert good.send(mail()).status == "sent"
        bad = SmtpSender(
            "localhost", port, "desk@moda.example", security="starttls",
            username="desk", password="wrong", context=client_context(certificate),
        )  # fmt: skip
        refused = bad.send(mail())
        plain = SmtpSender("localhost", port, "desk@moda.example", security="none")
        unencrypted = plain.send(mail())
    assert len(inbox.mails) == 1
    assert (refused.status, refused.code) == ("permanent", "refused_credentials")
    # 530 "STARTTLS first" to the sender: the set-up, for every message (the channel stops)
    assert (unencrypted.status, unencrypted.code) == ("permanent", "mail_refused")


def test_email_over_tls_from_the_first_byte(certificate: tuple[Path, Path]) -> None:
    with smtp_server(server_hostname="localhost", ssl_context=server_context(certificate)) as (
        port,
        inbox,
    ):
        sender = SmtpSender(
            "localhost", port, "desk@moda.example", security="tls",
            context=client_context(certificate),
        )  # fmt: skip
        assert sender.send(mail()).status == "sent"
    assert len(inbox.mails) == 1


def test_email_refusals_are_sorted() -> None:
    with smtp_server() as (port, inbox):
        inbox.refuse = {
            "gone@example.org": "550 5.1.1 No such mailbox",
            "busy@example.org": "450 4.2.1 Try again later",
        }
        sender = SmtpSender("127.0.0.1", port, "desk@moda.example", security="none")
        gone, busy = sender.send(mail("gone@example.org")), sender.send(mail("busy@example.org"))
    assert (gone.status, gone.code) == ("permanent", "smtp_550")
    assert (busy.status, busy.code) == ("transient", "smtp_450")
    nobody = SmtpSender("127.0.0.1", free_port(), "desk@moda.example", security="none")
    refused_port = nobody.send(mail())
    assert (refused_port.status, refused_port.code) == ("transient", "unreachable")


def test_email_set_up_errors_before_the_message_are_never_unknown(
    certificate: tuple[Path, Path],
) -> None:
    """Nothing was handed over, so nothing is "unknown": a set-up that fails every
    message is named (the channel stops on it: ``halt.SETUP``), a dropped connection is
    tried again; only a connection lost once the message was handed over is unknown."""

    def outcome(port: int, **options: str) -> tuple[str, str]:
        done = SmtpSender("127.0.0.1", port, "Moda <desk@moda.example>", **options).send(mail())
        return done.status, done.code

    with smtp_server() as (port, inbox):  # a plain relay: no STARTTLS, no AUTH
        assert outcome(port) == ("permanent", "tls_not_offered")  # the default: starttls
        assert outcome(port, security="none", username="desk") == (
            "permanent", "auth_not_offered",
        )  # fmt: skip
        assert outcome(port, security="tls") == ("permanent", "tls_failed")
        inbox.hang_up = "RCPT"
        assert outcome(port, security="none") == ("transient", "connection_lost")
        assert inbox.mails == []
        inbox.hang_up = "DATA"
        assert outcome(port, security="none") == ("unknown", "no_answer")
        assert len(inbox.mails) == 1
    tls = {"server_hostname": "localhost", "tls_context": server_context(certificate)}
    with smtp_server(**tls) as (port, inbox):  # self-signed: this PC does not trust it
        assert outcome(port) == ("permanent", "certificate_untrusted")
    assert inbox.mails == []
    with socket.create_server(("127.0.0.1", 0)) as listener:  # greets this PC with a 554
        port = listener.getsockname()[1]
        greeter = threading.Thread(target=_refuse_one, args=(listener,), daemon=True)
        greeter.start()
        assert outcome(port, security="none") == ("permanent", "server_refused")
        greeter.join(timeout=10)


def _refuse_one(listener: socket.socket) -> None:
    conn, _ = listener.accept()
    with conn:
        conn.sendall(b"554 5.7.1 No SMTP service for your address\r\n")
        conn.recv(1024)  # the client's QUIT, or its close


# -- SMS ------------------------------------------------------------------------------


@pytest.fixture
def twilio() -> Iterator[tuple[str, object]]:
    with http_server(twilio_route) as found:
        yield found


def test_twilio_sends_a_form_with_basic_auth_and_keeps_the_sid(twilio) -> None:
    url, server = twilio
    outcome = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN).send(message("+905551112233"))
    assert outcome.status == "sent" and outcome.provider_id.startswith("SM")
    assert server.messages[0]["body"] == "Merhaba Ayşe, randevunuz yarın 10:00."


def test_twilio_errors_are_sorted(twilio) -> None:
    url, server = twilio
    sender = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN)
    assert sender.send(message(INVALID)).code == "invalid_number"
    assert sender.send(message(OPTED_OUT)).status == "permanent"
    server.script.append(twilio_error(21212, 400, "The 'From' number is not a valid number"))
    assert sender.send(message("+905551112233")).code == "invalid_sender"
    server.script.append(rate_limited(retry_after=30))
    limited = sender.send(message("+905551112233"))
    assert (limited.status, limited.code, limited.retry_after) == ("transient", "rate_limited", 30)
    server.script.append((503, {"code": 20503, "message": "down", "status": 503}, {}))
    down = sender.send(message("+905551112233"))  # may have been created: the list says
    assert (down.status, down.code, down.ask_later) == ("unknown", "twilio_20503", True)
    wrong = TwilioSender(url, ACCOUNT, "+15005550006", "not-the-token").send(message("+90555"))
    assert (wrong.status, wrong.code) == ("permanent", "refused_credentials")
    nobody = TwilioSender(f"http://127.0.0.1:{free_port()}", ACCOUNT, "+1", TOKEN)
    assert nobody.send(message("+905551112233")).status == "transient"
    assert server.messages == []


def test_twilio_s_message_list_is_read_page_by_page_to_find_a_lost_send(
    twilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lookup reads Twilio's list (its paths, filters and page shape, served by the
    loopback server) page after page: a message on the third page is found with its
    SID; one never taken is "absent" once the list is read to its end; a list cut off
    by the page limit proves nothing (None: "unknown" for a person)."""
    url, server = twilio
    monkeypatch.setattr(twilio_module, "LOOKUP_PAGE", 2)
    sender = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN)
    to = "+905551112233"
    sent = [sender.send(message(to, f"Merhaba {n}")) for n in range(5)]  # newest last
    first = message(to, "Merhaba 0")
    lost = Lost("r-1", "sms", to, first.digest, NOW)
    found = sender.lookup(lost)
    assert (found.status, found.provider_id) == ("sent", sent[0].provider_id)  # type: ignore[union-attr]
    never = Lost("r-2", "sms", to, message(to, "never taken").digest, NOW)
    absent = sender.lookup(never)
    assert (absent.status, absent.code) == ("permanent", "absent")  # type: ignore[union-attr]
    # This PC's clock five minutes fast: the message Twilio dated "before" the send is it.
    fast = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    ahead = sender.lookup(Lost("r-3", "sms", to, message(to, "Merhaba 4").digest, fast))
    assert (ahead.status, ahead.provider_id) == ("sent", sent[4].provider_id)  # type: ignore[union-attr]
    monkeypatch.setattr(twilio_module, "LOOKUP_PAGES", 2)
    assert sender.lookup(lost) is None and sender.lookup(never) is None
    page = httpx.get(
        f"{url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
        params={"To": to, "From": "+15005550006", "PageSize": 2, "DateSent>": "2026-01-01"},
        auth=(ACCOUNT, TOKEN),
    ).json()
    assert page["messages"] == [] and page["next_page_uri"] is None  # queued: not sent yet
    assert len(server.messages) == 5


def test_twilio_s_lookup_does_not_rely_on_the_list_s_order(
    twilio, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twilio documents its list as sorted by DateSent, and a message it still queues
    has none: where it sorts is not said (here: after every message sent, the order the
    loopback server keeps). The lookup matches the (number, text) digest in the date
    window over every page it reads, never stopping at the first older message: the
    same text sent days before is not it, the queued one on the last page is."""
    url, server = twilio
    server.order = "date_sent"
    monkeypatch.setattr(twilio_module, "LOOKUP_PAGE", 2)
    to, text = "+905551112233", "Merhaba Ayşe, randevunuz yarın 10:00."
    for days in range(1, 6):  # delivered before: the same text once, others
        when = email.utils.format_datetime(NOW - dt.timedelta(days=days), usegmt=True)
        server.messages.append({
            "sid": f"SM{days:032d}", "account_sid": ACCOUNT, "to": to, "from": "+15005550006",
            "body": text if days == 1 else f"Eski {days}", "status": "delivered",
            "date_created": when, "date_sent": when,
        })  # fmt: skip
    sender = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN)
    sent = sender.send(message(to, text))  # queued: no date_sent, so listed last
    assert server.messages[-1]["date_sent"] is None
    found = sender.lookup(Lost("r-1", "sms", to, message(to, text).digest, NOW))
    assert found is not None
    assert (found.status, found.provider_id) == ("sent", sent.provider_id)
    never = sender.lookup(Lost("r-2", "sms", to, message(to, "never").digest, NOW))
    assert never is not None and (never.status, never.code) == ("permanent", "absent")


# -- WhatsApp -------------------------------------------------------------------------


def test_whatsapp_sends_json_with_a_bearer_token_and_keeps_the_wamid() -> None:
    with http_server(whatsapp_route) as (url, server):
        sender = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN)
        shut = sender.send(message("+905551112233"))
        assert (shut.status, shut.code) == ("permanent", "outside_window")
        server.open_windows.add("905551112233")  # the patient wrote in the last 24 hours
        outcome = sender.send(message("+905551112233"))
        assert outcome.status == "sent" and outcome.provider_id.startswith("wamid.")
        assert server.messages[0]["to"] == "905551112233"
        server.script.append(meta_error(131026, 400, "Message undeliverable"))
        undeliverable = sender.send(message("+905551112233"))
        server.script.append(meta_error(130429, 400, "Rate limit hit"))
        throttled = sender.send(message("+905551112233"))
        server.script.append(meta_error(131000, 500, "Something went wrong"))
        trouble = sender.send(message("+905551112233"))
        server.script.append(meta_error(131000, 400, "Something went wrong"))
        refused_for_now = sender.send(message("+905551112233"))
        server.script.append(meta_error(130429, 503, "Rate limit hit"))
        throttled_5xx = sender.send(message("+905551112233"))
        expired = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, "old").send(message("+90555"))
    assert (undeliverable.status, undeliverable.code) == ("permanent", "undeliverable")
    assert (throttled.status, throttled.code) == ("transient", "rate_limited")
    assert (trouble.status, trouble.code, trouble.http_status) == ("unknown", "meta_131000", 500)
    assert not trouble.ask_later, "Meta has no lookup: a person decides"
    assert refused_for_now.status == "transient"
    assert (throttled_5xx.status, throttled_5xx.code) == ("transient", "rate_limited")
    assert (expired.status, expired.code) == ("permanent", "refused_credentials")


@pytest.mark.parametrize(
    ("code", "status", "said"),
    [(21611, 400, "This 'From' number has exceeded the maximum number of queued messages"),
     (14107, 400, "SMS send rate limit exceeded"),
     (63038, 400, "Account exceeded the daily messages limit"),
     (60728, 400, "Account exceeded the hourly messages limit")],
)  # fmt: skip
def test_twilio_s_refusals_for_now_are_transient(twilio, code: int, status: int, said: str) -> None:
    """Twilio's documented limits that refuse a message now and lift later (the From's
    queue full, 21611: "thrown when attempting to create additional messages", so none
    was; a pair of numbers or the account over its rate or daily/hourly limit): tried
    again with backoff, never failed for good (the patient would go unreminded)."""
    url, server = twilio
    server.script.append(twilio_error(code, status, said))
    sent = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN).send(message("+905551112233"))
    assert (sent.status, sent.code, sent.ask_later) == ("transient", f"twilio_{code}", False)
    assert server.messages == []


@pytest.mark.parametrize(
    ("code", "status", "named"),
    [(3, 500, "refused_credentials"),  # Meta: "Capability or permissions issue", HTTP 500
     (10, 403, "refused_credentials"),  # "Permission Denied"
     (200, 403, "refused_credentials"), (299, 403, "refused_credentials"),  # API Permission
     (0, 401, "refused_credentials")],  # AuthException: code 0 is a code, not none
)  # fmt: skip
def test_a_meta_permission_or_auth_error_stops_whatsapp_not_each_message(
    code: int, status: int, named: str
) -> None:
    """Meta's authorization errors (0, 3, 10, 200-299) say the token cannot send at all:
    every message would fail (or, code 3 being a 500, each become "unknown" for a
    person) - the channel stops until a token is saved, as for 190."""
    with http_server(whatsapp_route) as (url, server):
        server.script.append(meta_error(code, status, "Permission denied"))
        wa = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN).send(message("+90555"))
    assert (wa.status, wa.code) == ("permanent", named)
    assert halt.refused(wa)


def test_meta_s_set_up_errors_stop_whatsapp_and_a_bad_parameter_does_not() -> None:
    """100 with subcode 33 (no such phone-number ID for the token), 368 and 131031 (the
    account restricted or locked), 131042 (its payment method) refuse every message: the
    channel stops (``halt.SETUP``). 100 alone (a bad parameter, a number not on
    WhatsApp) is about the one message, and so is a set-up code answered with a 5xx
    (Meta may have taken the message: "unknown", for a person)."""
    stops: dict[str, str | None] = {}
    with http_server(whatsapp_route) as (url, server):
        unknown = WhatsAppSender(url + "/v21.0", "106540352242923", WA_TOKEN).send(
            message("+90555")
        )
        stops["100/33"] = halt.stops(unknown)
        sender = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN)
        for code in (368, 131031, 131042, 100):
            server.script.append(meta_error(code, 400, "Refused"))
            stops[str(code)] = halt.stops(sender.send(message("+90555")))
        server.script.append(meta_error(131042, 500, "Refused"))
        five = sender.send(message("+90555"))
    assert stops == {
        "100/33": "setup:phone_id_unknown",
        "368": "setup:account_restricted",
        "131031": "setup:account_locked",
        "131042": "setup:payment_problem",
        "100": None,
    }
    assert (five.status, halt.stops(five)) == ("unknown", None)
    assert server.messages == []


@pytest.mark.parametrize(
    ("code", "status"),
    [(131048, 400), (131057, 400), (131057, 500)],
)  # fmt: skip
def test_meta_s_limits_and_maintenance_are_transient(code: int, status: int) -> None:
    """131048 (spam rate limit: among Meta's throttling errors, lifted as the number's
    quality recovers) and 131057 (the account in maintenance mode: a throughput upgrade
    under way) refuse the message for now: tried again later, never failed for good,
    never "unknown" (nothing was taken)."""
    with http_server(whatsapp_route) as (url, server):
        server.script.append(meta_error(code, status, "Try later"))
        wa = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN).send(message("+90555"))
    assert wa.status == "transient", wa
    assert server.messages == []


def test_plain_http_goes_only_to_this_pc() -> None:
    setup = ChannelSetup(
        EmailSetup("mail.example.org", 587, "starttls", "desk@moda.example", "", ""),
        HttpSetup("http://sms.example.org", ACCOUNT, "+1", TOKEN),
        HttpSetup("http://127.0.0.1:9/v21.0", WA_PHONE_ID, "", WA_TOKEN),
    )
    assert sorted(senders(setup)) == ["email", "whatsapp"]


PROXY_ANSWERS = [
    not_the_provider(401, "text/html", PORTAL),  # a captive portal's sign-in page
    not_the_provider(407, "text/html", PORTAL),  # a corporate proxy wants its own login
    not_the_provider(407, "application/json", PROXY_JSON),  # JSON, but not the provider's
    (401, {"message": "Unauthorized"}, {}),  # no error code: not Twilio's shape
]


@pytest.mark.parametrize("answer", PROXY_ANSWERS)
def test_a_401_or_407_that_is_not_twilio_s_error_is_transient(twilio, answer) -> None:
    """Only Twilio's own refusal (its JSON error with code 20003) means the credentials
    were refused; a page from something in between is tried again later."""
    url, server = twilio
    server.script.append(answer)
    sms = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN).send(message("+905551112233"))
    status = answer[0]
    assert (sms.status, sms.code, sms.http_status) == (
        "transient", f"not_provider_{status}", status,
    )  # fmt: skip
    server.script.append(twilio_error(20003, 401, "Authenticate"))
    refused = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN).send(message("+905551112233"))
    assert (refused.status, refused.code) == ("permanent", "refused_credentials")


@pytest.mark.parametrize(
    "answer",
    [*PROXY_ANSWERS[:3], (401, {"error": {"message": "Invalid OAuth token"}}, {})],
)
def test_a_401_or_407_that_is_not_graph_s_error_is_transient(answer) -> None:
    with http_server(whatsapp_route) as (url, server):
        server.script.append(answer)
        wa = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN).send(message("+90555"))
        server.script.append(meta_error(190, 401, "Error validating access token"))
        refused = WhatsAppSender(url + "/v21.0", WA_PHONE_ID, WA_TOKEN).send(message("+90555"))
    assert (wa.status, wa.code, wa.http_status) == ("transient", f"not_provider_{answer[0]}",
                                                     answer[0])  # fmt: skip
    assert (refused.status, refused.code) == ("permanent", "refused_credentials")


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("HTTPS://api.twilio.com/", "HTTPS://api.twilio.com"),  # the scheme in any case
        ("https://graph.facebook.com/v21.0", "https://graph.facebook.com/v21.0"),
        ("http://[::1]:8080/relay", "http://[::1]:8080/relay"),
        ("HTTP://LOCALHOST:9", "HTTP://LOCALHOST:9"),
    ],
)
def test_the_settings_take_an_address_the_senders_use(url: str, kept: str) -> None:
    assert url_rule(url, "channels.sms_base_url", "SMS provider address") == kept
    assert senders(ChannelSetup(None, HttpSetup(kept, ACCOUNT, "+1", TOKEN), None))


@pytest.mark.parametrize(
    "url",
    ["HTTP://sms.example.org", "http://127.0.0.1.evil.example", "http://localhost.evil.example",
     "http://127.0.0.1:80@evil.example", "http://[::ffff:7f00:1]", "ftp://127.0.0.1"],
)  # fmt: skip
def test_the_settings_refuse_plain_http_elsewhere(url: str) -> None:
    with pytest.raises(ValidationError, match="https"):
        url_rule(url, "channels.sms_base_url", "SMS provider address")


def test_the_provider_s_own_401_stops_the_channel_whatever_its_code(twilio) -> None:
    """A 401 in the provider's own error shape is its refusal of the credentials, with
    any code (Twilio's 20005 "account not active", Graph's 102 "session invalid"): the
    channel stops and the message waits, not failed for good like a wrong number."""
    url, server = twilio
    server.script.append(twilio_error(20005, 401, "Account not active"))
    sms = TwilioSender(url, ACCOUNT, "+15005550006", TOKEN).send(message("+905551112233"))
    assert (sms.status, sms.code) == ("permanent", "refused_credentials")
    with http_server(whatsapp_route) as (wa_url, wa_server):
        wa_server.script.append(meta_error(102, 401, "Session key invalid"))
        wa = WhatsAppSender(wa_url + "/v21.0", WA_PHONE_ID, WA_TOKEN).send(message("+90555"))
    assert (wa.status, wa.code) == ("permanent", "refused_credentials")


def test_a_proxy_that_refuses_the_tunnel_is_transient_not_unknown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over HTTPS (the only way to a provider) a corporate proxy's 407 answers the
    CONNECT, before any request goes: httpx raises ProxyError, not a response. Nothing
    was sent, so it is tried again later, as the proxy's 407 page is over plain HTTP;
    never "unknown" (a person's, or for SMS a lookup that settles nothing)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        proxy = threading.Thread(target=_refuse_tunnels, args=(listener, 2), daemon=True)
        proxy.start()
        monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.getsockname()[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        sms = TwilioSender("https://api.twilio.example", ACCOUNT, "+1", TOKEN)
        wa = WhatsAppSender("https://graph.facebook.example/v21.0", WA_PHONE_ID, WA_TOKEN)
        found = [sender.send(message("+905551112233")) for sender in (sms, wa)]
        proxy.join(timeout=10)
    assert [(o.status, o.code, o.ask_later) for o in found] == [
        ("transient", "proxy_refused", False)
    ] * 2


def _refuse_tunnels(listener: socket.socket, count: int) -> None:
    for _ in range(count):
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)  # CONNECT host:443 HTTP/1.1 ...
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")


def _busy_authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=False, handled=False, message=BUSY_AUTH)


BUSY_AUTH = "454 4.7.0 Temporary authentication failure, try again later"


def test_a_temporary_sign_in_failure_is_tried_again_not_a_refusal() -> None:
    """A 4xx to AUTH (RFC 4954's 454: the server's back end busy, too many sign-ins for
    now) says nothing against the password: tried again later, not "refused_credentials",
    which stops the e-mail channel until a person saves the password again."""
    options = {"authenticator": _busy_authenticator, "auth_require_tls": False}
    with smtp_server(**options) as (port, inbox):
        sender = SmtpSender(
            "127.0.0.1", port, "desk@moda.example", security="none",
            username="desk", password="s3cret",
        )  # fmt: skip
        busy = sender.send(mail())
    assert inbox.mails == []
    assert (busy.status, busy.code, busy.http_status) == ("transient", "smtp_454", 454)


def _relay(listener: socket.socket, drop_at: bytes, context: ssl.SSLContext | None = None) -> None:
    """A relay (over TLS from the first byte when given a ``context``) that answers every
    command with 250 (DATA with 354) until ``drop_at``, then hangs up without its answer;
    over TLS it answers ``drop_at`` with bytes that are no TLS record (the session breaks
    after a good handshake). ``b"."``: the message's end, after its whole body."""
    conn, _ = listener.accept()
    link = context.wrap_socket(conn, server_side=True) if context else conn
    with link, link.makefile("rb") as lines:
        link.sendall(b"220 relay ready\r\n")
        in_body = False
        for line in lines:
            if in_body and line != b".\r\n":
                continue
            said = b"." if in_body else line[:4].upper()
            if said == drop_at:
                if context is not None:
                    with socket.socket(fileno=os.dup(link.fileno())) as raw:
                        raw.sendall(b"250 OK, but not inside TLS\r\n")
                    with contextlib.suppress(OSError):  # the client's alert, its close
                        link.recv(1)
                return
            in_body = said == b"DATA"
            hello = b"250-relay\r\n250 AUTH PLAIN\r\n" if said == b"EHLO" else b"250 OK\r\n"
            link.sendall(b"354 go ahead\r\n" if in_body else hello)


@pytest.mark.parametrize(
    ("drop_at", "tls", "expected"),
    [
        (b"DATA", False, ("transient", "connection_lost")),  # before the 354: not taken
        (b"AUTH", True, ("transient", "connection_lost")),  # TLS broke while signing in
        (b"MAIL", True, ("transient", "connection_lost")),  # ... or while sending
        (b"DATA", True, ("transient", "connection_lost")),
        (b".", True, ("unknown", "no_answer")),  # the whole message went: maybe taken
    ],
)
def test_a_connection_lost_before_the_whole_message_went_is_tried_again(
    certificate: tuple[Path, Path], drop_at: bytes, tls: bool, expected: tuple[str, str]
) -> None:
    """Until the server's 354 came and the body went to its end, the server cannot have
    taken the message: a connection lost then is tried again, never "unknown". A TLS
    error after a good handshake is such a loss (the network, not the set-up: the
    channel does not stop); only once the whole message went is a lost answer unknown."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        context = server_context(certificate) if tls else None
        relay = threading.Thread(target=_relay, args=(listener, drop_at, context), daemon=True)
        relay.start()
        sender = SmtpSender(
            "localhost", listener.getsockname()[1], "desk@moda.example",
            security="tls" if tls else "none", context=client_context(certificate),
            username="desk" if drop_at == b"AUTH" else "", password="s3cret",
        )  # fmt: skip
        done = sender.send(mail())
        relay.join(timeout=10)
    assert (done.status, done.code) == expected


@pytest.mark.parametrize(
    ("sender", "kept"),
    [("12345", "12345"), ("892311", "892311"), ("+1 (500) 555-0006", "+15005550006"),
     ("MODA DENTAL", "MODA DENTAL")],
)  # fmt: skip
def test_the_sms_sender_may_be_a_short_code(sender: str, kept: str) -> None:
    """Twilio takes a short code (5 or 6 digits) as From, besides a number in E.164
    and an alphanumeric sender ID."""
    assert sms_sender_rule(sender, "channels.sms_sender", "SMS sender") == kept


@pytest.mark.parametrize(
    "sender", ["1234", "1234567", "0532 1112233", "12 345", "+12345", "12345x!", "05321112233"]
)
def test_the_sms_sender_still_refuses_what_is_no_sender(sender: str) -> None:
    with pytest.raises(ValidationError, match="short code"):
        sms_sender_rule(sender, "channels.sms_sender", "SMS sender")


@pytest.mark.parametrize(
    ("region", "typed", "kept"),
    [("TR", "0532 123 45 67", "+905321234567"), ("TR", "(0532) 123-45-67", "+905321234567"),
     ("TR", "+44 20 7946 0958", "+442079460958"), ("GB", "07400 123456", "+447400123456"),
     ("TR", "12345", "12345"), ("TR", "MODA DENTAL", "MODA DENTAL")],
)  # fmt: skip
def test_an_sms_sender_number_is_read_in_the_clinics_region_as_patients_numbers_are(
    region: str, typed: str, kept: str
) -> None:
    """The library's rule, as for patients' numbers: a number typed without its country
    code is the clinic's region's; a short code and a sender ID stay as they are."""
    assert sms_sender_rule(typed, "channels.sms_sender", "SMS sender", region) == kept
    if kept.startswith("+"):
        wa = whatsapp_sender_rule(typed, "channels.whatsapp_sender", "WhatsApp number", region)
        assert wa == kept


@pytest.mark.parametrize("sender", ["+905001", "+9050011122", "+999123456789", "+10000000000"])
def test_a_number_the_old_pattern_took_but_no_country_has_is_refused(sender: str) -> None:
    """E.164's shape is not a number: "+905001" passed the old pattern, and Twilio
    would refuse every message from it (21212)."""
    for rule, key in ((sms_sender_rule, "channels.sms_sender"),
                      (whatsapp_sender_rule, "channels.whatsapp_sender")):  # fmt: skip
        with pytest.raises(ValidationError, match="international form") as bad:
            rule(sender, key, "Sender")
        assert bad.value.field == key


def test_a_sender_number_not_valid_in_the_region_says_what_to_type() -> None:
    """Refused with the region and one example in each form the rule takes."""
    with pytest.raises(ValidationError) as bad:
        sms_sender_rule("0532 123 45", "channels.sms_sender", "SMS sender", "TR")
    said = str(bad.value)
    assert "SMS sender" in said and "TR" in said and "+90" in said, said
    assert "short code" in said and "sender ID" in said, said
    with pytest.raises(ValidationError) as wa:
        whatsapp_sender_rule("0532 123 45", "channels.whatsapp_sender", "WhatsApp number", "TR")
    said = str(wa.value)
    assert "TR" in said and "+90" in said and "sender ID" not in said, said


@pytest.mark.parametrize("typed", ["106540352242922", "1", " 106540352242922 "])
def test_whatsapp_sends_from_the_number_s_id_digits_as_meta_gives_it(typed: str) -> None:
    key = "channels.whatsapp_account"
    assert whatsapp_id_rule(typed.strip(), key, "WhatsApp phone number id") == typed.strip()


@pytest.mark.parametrize(
    "typed", ["+905001112233", "+90 500 111 22 33", "0532 123 45 67", "05321234567",
              "1065403522 42922", "PNID-1065", "106540352242922/messages"]
)  # fmt: skip
def test_a_phone_number_or_anything_but_meta_s_id_is_refused_as_the_whatsapp_id(
    typed: str,
) -> None:
    """Meta's Cloud API sends from the business number's ID (``POST /{phone-number-id}/
    messages``): the number itself there makes every message fail (Graph error 100). A
    Graph ID is digits with no leading zero; a number with + or a leading 0 is refused
    with what to type, and where the number goes."""
    with pytest.raises(ValidationError) as bad:
        whatsapp_id_rule(typed, "channels.whatsapp_account", "WhatsApp phone number id")
    said = str(bad.value)
    assert "106540352242922" in said and "API Setup" in said and "WhatsApp number" in said


@pytest.mark.parametrize(
    ("typed", "why"),
    [("0532 123 45 67 ext. 12", "extension"), ("0532 MODA 567", "letters"),
     ("MODA", "must be a phone number")],
)  # fmt: skip
def test_the_whatsapp_number_refuses_what_patients_numbers_refuse(typed: str, why: str) -> None:
    """WhatsApp has no sender IDs: letters are a typo, never keypad digits; an extension
    cannot be part of the number."""
    with pytest.raises(ValidationError, match=why):
        whatsapp_sender_rule(typed, "channels.whatsapp_sender", "WhatsApp number", "TR")
