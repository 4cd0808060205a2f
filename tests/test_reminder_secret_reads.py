"""The per-minute dispatch job reads the keychain only when it has something to send,
and then once per channel and round: never with reminders off, with no channel set
up, or with nothing due (a keychain may ask the user, or log, on each read)."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import Busy
from receptionist.jobs.runner import Runner
from receptionist.models import Reminder
from receptionist.ops import reminders
from receptionist.reminders import dispatch
from receptionist.settings import secretstore
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from sync.channels import build
from sync.jobs import REMINDERS


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="")
    return made


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


@pytest.fixture
def twilio_url() -> Iterator[str]:
    with http_server(twilio_route) as (url, _):
        yield url


def run_job(clinic: Clinic) -> dict[str, int]:
    clinic.clock.advance(minutes=1)
    (ran,) = Runner([REMINDERS]).run_due(clinic.db, clinic.clock)
    assert ran.outcome == "ok", ran.error
    return ran.counts


def set_up_sms(clinic: Clinic, url: str) -> None:
    values = {"base_url": url, "account": ACCOUNT, "sender": SENDER}
    reminders.set_channel(clinic.db, clinic.ctx, "sms", values, TOKEN)


def test_no_secret_is_read_with_reminders_off_or_no_channel(
    clinic: Clinic, reads: list[str], twilio_url: str
) -> None:
    clinic.book(clinic.patient(1), at(3, 9))
    assert run_job(clinic)["active"] == 1  # on, but no channel set up
    assert reads == []
    set_up_sms(clinic, twilio_url)
    clinic.set(enabled=False)
    reads.clear()
    assert run_job(clinic)["active"] == 0
    assert reads == []


def test_a_secret_is_read_once_a_round_and_only_when_something_goes(
    clinic: Clinic, reads: list[str], twilio_url: str
) -> None:
    set_up_sms(clinic, twilio_url)
    reads.clear()
    assert run_job(clinic)["sent"] == 0  # nothing booked: nothing due
    assert reads == []
    for n in (1, 2, 3):
        clinic.book(clinic.patient(n), at(3, 9 + n))
    assert run_job(clinic)["sent"] == 3
    assert reads == ["channels.sms_token"]
    reads.clear()
    assert run_job(clinic)["sent"] == 0
    assert reads == []


def test_a_secret_that_cannot_be_read_leaves_the_message_queued(
    clinic: Clinic, twilio_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secret is read after the message is claimed ("sending"): when that read
    fails (the file busy), the round fails, and the message is queued again, its try
    not counted, not left "sending" for a lookup that could only call it unknown."""
    set_up_sms(clinic, twilio_url)
    clinic.book(clinic.patient(1), at(3, 9))

    def busy(*_: object) -> str:
        raise Busy(Text(QT_TRANSLATE_NOOP("core", "The clinic's file is busy.")))

    monkeypatch.setattr(secretstore, "lookup", busy)  # what the senders read through
    clinic.clock.advance(minutes=1)
    with pytest.raises(Busy):
        dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    with clinic.db.read() as s:
        (r,) = s.scalars(select(Reminder)).all()
        assert (r.state, r.attempts, r.claimed_at) == ("pending", 0, None)
    monkeypatch.undo()
    assert run_job(clinic)["sent"] == 1
