"""A channel whose password or token is not on this PC (secrets never travel: a
stand-by that took over, a PC restored from a backup) stops before any request, with
words that say so and where to enter it; never "the provider refused the credentials"
after a request with an empty token. The status says it ahead, on the station and on a
stand-by that could take over."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from channelservers import (
    ACCOUNT,
    TOKEN,
    WA_PHONE_ID,
    WA_SETTING,
    WA_TOKEN,
    http_server,
    smtp_server,
    twilio_route,
    whatsapp_route,
)
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs.runner import Runner
from receptionist.models import Reminder, SyncState
from receptionist.ops import reminders, settings
from receptionist.reminders import config, dispatch, halt
from receptionist.reminders.plan import plan
from receptionist.settings import secretstore
from receptionist.store.storage import Database
from sync.channels import build
from sync.jobs import REMINDERS

MISSING_SMS = "the SMS token is not on this PC"


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="")  # only the booking confirmations: one message per booking
    return made


@pytest.fixture
def twilio() -> Iterator[tuple[str, list[str]]]:
    """A Twilio server on loopback, and every request it got (its path)."""
    asked: list[str] = []

    def counted(h: Any, method: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        asked.append(f"{method} {h.path}")
        return twilio_route(h, method, raw)

    with http_server(counted) as (url, _):
        yield url, asked


def sms_without_token(clinic: Clinic, url: str) -> None:
    """SMS set up as another PC set it (the settings synced), its token typed there."""
    values = {"base_url": url, "account": ACCOUNT, "sender": SENDER}
    reminders.set_channel(clinic.db, clinic.ctx, "sms", values, None)


def book_three(clinic: Clinic) -> None:
    for n in (1, 2, 3):
        clinic.book(clinic.patient(n), at(3, 9 + n))


def states(clinic: Clinic) -> list[tuple[str, str]]:
    with clinic.db.read() as s:
        return [(r.state, r.reason) for r in s.scalars(select(Reminder))]


def test_sms_without_its_token_here_stops_before_any_request_and_says_why(
    clinic: Clinic, twilio: tuple[str, list[str]]
) -> None:
    url, asked = twilio
    sms_without_token(clinic, url)
    book_three(clinic)
    done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert asked == []  # no request with an empty token
    assert [i.state for i in done.items] == ["held"] * 3
    assert done.causes == {"sms": halt.SECRET_MISSING}
    said = str(done.attention("sms"))
    assert MISSING_SMS in said and "refused" not in said
    assert "receptionist settings set channels.sms_token" in said
    assert states(clinic) == [("pending", halt.SECRET_MISSING)] * 3
    with clinic.db.read() as s:
        assert all(r.attempts == 0 and r.sent_to == "" for r in s.scalars(select(Reminder)))
    rows = reminders.listing(clinic.db, clinic.ctx)
    assert all(MISSING_SMS in str(r.explained) for r in rows)
    status = reminders.status(clinic.db)
    assert status.attention == ("sms",) and status.queued == 3
    assert MISSING_SMS in str(status.attention_text("sms"))
    clinic.clock.advance(minutes=1)  # still missing: nothing asked, nothing read again
    again = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert again.items == [] and again.causes == {"sms": halt.SECRET_MISSING}
    assert asked == []
    settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})  # typed here
    assert reminders.status(clinic.db).attention == ()
    later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent"] * 3 and later.causes == {}


def test_the_job_counts_the_missing_secret_as_its_own_cause(
    clinic: Clinic, twilio: tuple[str, list[str]]
) -> None:
    sms_without_token(clinic, twilio[0])
    clinic.book(clinic.patient(1), at(3, 9))
    clinic.clock.advance(minutes=1)
    (ran,) = Runner([REMINDERS]).run_due(clinic.db, clinic.clock)
    assert ran.outcome == "ok", ran.error
    assert ran.counts["needs_attention"] == 1 and ran.counts["secret_missing_sms"] == 1
    assert "credentials_refused_sms" not in ran.counts


def test_whatsapp_without_its_token_here_stops_before_any_request(clinic: Clinic) -> None:
    settings.set_many(clinic.db, clinic.ctx, {"channels.whatsapp_templates_en": WA_SETTING})
    clinic.book(clinic.patient(1, consents=("reminder_whatsapp",)), at(3, 9))
    with http_server(whatsapp_route) as (url, server):
        values = {"base_url": url + "/v21.0", "account": WA_PHONE_ID, "sender": SENDER}
        reminders.set_channel(clinic.db, clinic.ctx, "whatsapp", values, None)
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert done.causes == {"whatsapp": halt.SECRET_MISSING}
        assert "the WhatsApp token is not on this PC" in str(done.attention("whatsapp"))
        reminders.set_channel(clinic.db, clinic.ctx, "whatsapp", {}, WA_TOKEN)
        later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent"] and len(server.messages) == 1


def test_email_needs_its_password_only_when_it_signs_in(clinic: Clinic) -> None:
    """A server that takes mail without signing in needs no password; one with a user
    name set stops without its password, before connecting."""
    pid = clinic.patient(1, email="hasta@example.org", consents=("reminder_email",))
    clinic.book(pid, at(3, 9))
    with smtp_server() as (port, inbox):
        values = {"host": "127.0.0.1", "port": port, "security": "none",
                  "sender": "desk@moda.example", "username": "desk"}  # fmt: skip
        reminders.set_channel(clinic.db, clinic.ctx, "email", values, None)
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert done.causes == {"email": halt.SECRET_MISSING}
        assert "the e-mail password is not on this PC" in str(done.attention("email"))
        assert inbox.mails == []
        reminders.set_channel(clinic.db, clinic.ctx, "email", {"username": ""}, None)
        later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent"] and len(inbox.mails) == 1


def test_a_send_cut_short_waits_for_the_token_instead_of_turning_unknown(
    clinic: Clinic, twilio: tuple[str, list[str]]
) -> None:
    """A message left "sending" (the PC stopped mid-send) whose status lookup cannot
    be made here (no token) waits, still "sending", for the token: never "unknown"."""
    url, asked = twilio
    sms_without_token(clinic, url)
    clinic.book(clinic.patient(1), at(3, 9))
    with clinic.db.write() as s:
        plan(s, clinic.clock.now(), config.load(s), None)
        (r,) = s.scalars(select(Reminder))
        r.state, r.channel, r.claimed_at = "sending", "sms", clinic.clock.now()  # as taken
        r.attempts, r.sent_to = 1, "+905550000001"
    clinic.clock.advance(minutes=11)
    done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert asked == [] and done.causes == {"sms": halt.SECRET_MISSING}
    assert states(clinic) == [("sending", halt.SECRET_MISSING)]


# --- the status, ahead of any message ----------------------------------------------


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the secrets read from the keychain."""
    found: list[str] = []
    real = keyring.get_password

    def counted(service: str, name: str) -> str | None:
        if service == secretstore.SERVICE:
            found.append(name.split(":", 1)[1])
        return real(service, name)

    monkeypatch.setattr(keyring, "get_password", counted)
    return found


def test_the_station_s_status_says_the_token_is_missing_before_anything_is_due(
    clinic: Clinic, twilio: tuple[str, list[str]], reads: list[str]
) -> None:
    """Read once and remembered (the status bar reads every minute; a keychain may ask
    or log on each read) until a channel's secret is saved on this PC."""
    sms_without_token(clinic, twilio[0])
    reads.clear()
    found = reminders.status(clinic.db)
    assert found.mode == "here" and found.secrets_missing == ("sms",)
    assert found.attention == ("sms",)
    (said,) = found.attention_texts()
    assert MISSING_SMS in str(said) and "refused" not in str(said)
    assert reminders.status(clinic.db).secrets_missing == ("sms",)
    assert reads == ["channels.sms_token"]  # once, not at each status
    settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})
    reads.clear()  # (the keychain's write reads it back)
    assert reminders.status(clinic.db).secrets_missing == ()
    assert reminders.status(clinic.db).attention == ()
    assert reads == ["channels.sms_token"]  # saved: read again, once
    clinic.set(enabled=False)
    settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": ""})
    reads.clear()
    assert reminders.status(clinic.db).secrets_missing == ()  # off: nothing to warn of
    assert reads == []


def test_a_stand_by_warns_ahead_that_it_could_not_send(
    clinic: Clinic, twilio: tuple[str, list[str]]
) -> None:
    with clinic.db.write() as s:  # joined to a cloud as device B, a stand-by for A
        s.add(SyncState(id=1, server_url="https://x", clinic_id="c", device_id="d",
                        device_code="B", device_name="B", private_key=b"k"))  # fmt: skip
    clinic.set(station="A", standby="B")
    sms_without_token(clinic, twilio[0])
    found = reminders.status(clinic.db)
    assert found.mode == "standby" and found.secrets_missing == ("sms",)
    said = str(found.attention_text("sms"))
    assert "this PC could take over sending but has no SMS token" in said
    assert "receptionist settings set channels.sms_token" in said
    clinic.set(standby="")  # neither station nor stand-by: it never sends, no warning
    assert reminders.status(clinic.db).secrets_missing == ()
    assert reminders.status(clinic.db).attention == ()


def test_reminders_status_on_the_command_line_names_the_missing_token(
    clinic: Clinic, twilio: tuple[str, list[str]]
) -> None:
    from receptionist.cli.remindercmds import status_data, status_text
    from receptionist.zones import zone

    sms_without_token(clinic, twilio[0])
    data = status_data(reminders.status(clinic.db), zone("Europe/Istanbul"))
    assert data["secrets_missing"] == ["sms"]
    assert MISSING_SMS in data["needs_attention"]["sms"]
    assert MISSING_SMS in status_text(data)
