"""A channel's secret behind a locked (or not answering) keychain is not a missing one:
the store tells them apart, dispatch stops the channel with its own reason, and the
words say to unlock the keychain, not that the token was never typed here. Once the
keychain answers again, the queued messages go at the next round, with nothing saved.
A missing secret's words point to Settings as well as the command line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from channelservers import ACCOUNT, TOKEN, http_server, twilio_route
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import KeyringLocked
from reminderclinic import SENDER, Clinic, at, make
from sqlalchemy import select
from templates import MemoryKeyring

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.models import AuditEvent, ChangeEntry, LocalSecret, Reminder
from receptionist.ops import reminders, settings
from receptionist.reminders import dispatch, halt, reasons
from receptionist.reminders.channelsettings import SMS_TOKEN
from receptionist.settings import secretstore
from receptionist.store.storage import Database
from sync.channels import build

LOCKED_WORDS = "keychain is locked or not available"


class LockedKeyring(KeyringBackend):
    """The OS keychain as a locked collection answers: every call refused."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


@pytest.fixture
def clinic(db: Database, ctx: Ctx, clock: FixedClock) -> Clinic:
    made = make(db, ctx, clock)
    made.set(offsets="")  # only the booking confirmations
    return made


@pytest.fixture
def twilio() -> Iterator[tuple[str, Any]]:
    with http_server(twilio_route) as (url, server):
        yield url, server


def sms_with_token(clinic: Clinic, url: str) -> None:
    values = {"base_url": url, "account": ACCOUNT, "sender": SENDER}
    reminders.set_channel(clinic.db, clinic.ctx, "sms", values, TOKEN)


def namespace(clinic: Clinic) -> str:
    from receptionist.schedule.clinic import clinic_id

    with clinic.db.read() as s:
        found = clinic_id(s)
    assert found is not None
    return found


# --- the store ---------------------------------------------------------------------


def test_the_store_tells_a_locked_keychain_from_a_missing_secret(
    clinic: Clinic, memory_keyring: MemoryKeyring
) -> None:
    ns = namespace(clinic)
    with clinic.db.read() as s:
        assert secretstore.held(s, ns, SMS_TOKEN) == "none"
    with clinic.db.write() as s:
        secretstore.write(s, clinic.ctx, ns, SMS_TOKEN, TOKEN)
    with clinic.db.read() as s:
        assert secretstore.held(s, ns, SMS_TOKEN) == "kept"
        assert s.get(LocalSecret, secretstore.stored_name(ns, SMS_TOKEN)) is None
    keyring.set_keyring(LockedKeyring())
    try:
        with clinic.db.read() as s:
            assert secretstore.held(s, ns, SMS_TOKEN) == "locked"
            assert secretstore.read(s, ns, SMS_TOKEN) is None
    finally:
        keyring.set_keyring(memory_keyring)


def test_with_no_keychain_at_all_the_file_is_where_secrets_are(clinic: Clinic) -> None:
    """A headless PC (no keychain: ``NoKeyringError``) keeps secrets in the encrypted
    file: one not there is missing, not locked."""
    keyring.set_keyring(fail.Keyring())
    ns = namespace(clinic)
    with clinic.db.read() as s:
        assert secretstore.held(s, ns, SMS_TOKEN) == "none"
    with clinic.db.write() as s:
        secretstore.write(s, clinic.ctx, ns, SMS_TOKEN, TOKEN)
    with clinic.db.read() as s:
        assert secretstore.held(s, ns, SMS_TOKEN) == "kept"
        assert secretstore.read(s, ns, SMS_TOKEN) == TOKEN


def test_a_secret_kept_in_the_file_reads_as_kept_behind_a_locked_keychain(
    clinic: Clinic, memory_keyring: MemoryKeyring
) -> None:
    keyring.set_keyring(LockedKeyring())
    try:
        ns = namespace(clinic)
        with clinic.db.write() as s:  # the keychain refuses: the file keeps it
            secretstore.write(s, clinic.ctx, ns, SMS_TOKEN, TOKEN)
        with clinic.db.read() as s:
            assert secretstore.held(s, ns, SMS_TOKEN) == "kept"
    finally:
        keyring.set_keyring(memory_keyring)


def test_settings_get_says_the_keychain_could_not_be_read(
    clinic: Clinic, memory_keyring: MemoryKeyring
) -> None:
    settings.set_many(clinic.db, clinic.ctx, {"channels.sms_token": TOKEN})
    assert str(settings.get(clinic.db, clinic.ctx, "channels.sms_token").text) == "set"
    keyring.set_keyring(LockedKeyring())
    try:
        entry = settings.get(clinic.db, clinic.ctx, "channels.sms_token")
    finally:
        keyring.set_keyring(memory_keyring)
    assert not entry.is_set and "keychain" in str(entry.text)


# --- dispatch and the status -------------------------------------------------------


def test_a_locked_keychain_stops_the_channel_with_its_own_reason_and_words(
    clinic: Clinic, twilio: tuple[str, Any], memory_keyring: MemoryKeyring
) -> None:
    url, server = twilio
    sms_with_token(clinic, url)
    for n in (1, 2):
        clinic.book(clinic.patient(n), at(3, 9 + n))
    keyring.set_keyring(LockedKeyring())
    try:
        done = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert server.messages == []
        assert done.causes == {"sms": halt.KEYCHAIN_LOCKED}
        said = str(done.attention("sms"))
        assert LOCKED_WORDS in said and "not on this PC" not in said
        assert "Settings > Clinic > Message channels" in said
        status = reminders.status(clinic.db)
        assert status.attention == ("sms",) and status.secrets_locked == ("sms",)
        assert status.cause("sms") == halt.KEYCHAIN_LOCKED
        assert LOCKED_WORDS in str(status.attention_text("sms"))
        with clinic.db.read() as s:
            rows = s.scalars(select(Reminder)).all()
            assert [(r.state, r.reason, r.attempts) for r in rows] == [
                ("pending", halt.KEYCHAIN_LOCKED, 0)
            ] * 2
            one = rows[0]
            explained = reasons.explain(one.reason, "sms")
        assert explained is not None and LOCKED_WORDS in str(explained)
        clinic.clock.advance(minutes=1)  # still locked: asked again, still nothing sent
        again = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert again.causes == {"sms": halt.KEYCHAIN_LOCKED} and server.messages == []
    finally:
        keyring.set_keyring(memory_keyring)
    # Unlocked: the next round sends, with nothing saved again.
    clinic.clock.advance(minutes=1)
    later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent", "sent"] and later.causes == {}
    assert len(server.messages) == 2
    assert reminders.status(clinic.db).attention == ()


def test_the_status_reads_a_locked_keychain_again_once_it_answers(
    clinic: Clinic, twilio: tuple[str, Any], memory_keyring: MemoryKeyring
) -> None:
    """A missing secret is remembered until one is saved; a locked keychain is unlocked
    outside the app, with nothing saved: the status reads it again once another read
    got an answer (here a person's: what `channels` and Settings ask). Session 17: it
    no longer reads it again at every ask (each read may prompt to unlock)."""
    sms_with_token(clinic, twilio[0])
    assert reminders.status(clinic.db).secrets_missing == ()
    keyring.set_keyring(LockedKeyring())
    try:
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_sender": "12345"})  # read again
        found = reminders.status(clinic.db)
        assert found.secrets_missing == ("sms",) and found.secrets_locked == ("sms",)
    finally:
        keyring.set_keyring(memory_keyring)
    assert reminders.status(clinic.db).secrets_locked == ("sms",)  # not asked again yet
    assert reminders.secret_state(clinic.db, "sms") == "kept"  # a person's read answers
    assert reminders.status(clinic.db).secrets_locked == ()
    assert reminders.status(clinic.db).secrets_missing == ()


class CountingLockedKeyring(LockedKeyring):
    """A locked keychain that counts the reads (each one an unlock prompt on Linux)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


def test_the_status_does_not_prompt_at_every_ask_while_the_keychain_is_locked(
    clinic: Clinic, twilio: tuple[str, Any], memory_keyring: MemoryKeyring
) -> None:
    url, server = twilio
    sms_with_token(clinic, url)
    locked = CountingLockedKeyring()
    keyring.set_keyring(locked)
    try:
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_sender": SENDER})  # read again
        for _ in range(reminders.LOCKED_REASK):  # the status bar: one ask a minute
            assert reminders.status(clinic.db).secrets_locked == ("sms",)
        assert locked.reads == 1, "the keychain was asked (a prompt) at every status read"
        assert reminders.status(clinic.db).secrets_locked == ("sms",)
        assert locked.reads == 2  # a quarter hour on: asked again, in case it was unlocked
        # A round with something to send reads it (its own rule), and the status after it
        # needs no read of its own while it is still locked.
        clinic.book(clinic.patient(1), at(3, 10))
        dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
        assert locked.reads == 3
        assert reminders.status(clinic.db).secrets_locked == ("sms",) and locked.reads == 3
    finally:
        keyring.set_keyring(memory_keyring)
    # Unlocked outside the app: the round that sends gets an answer, and the status
    # says so at its next ask, with nothing saved.
    clinic.clock.advance(minutes=1)
    later = dispatch.run(clinic.db, clinic.clock, build.Senders(clinic.db))
    assert [i.state for i in later.items] == ["sent"] and len(server.messages) == 1
    assert reminders.status(clinic.db).secrets_locked == ()
    assert reminders.status(clinic.db).secrets_missing == ()


def test_a_locked_status_is_not_kept_past_the_reask_once_unlocked(
    clinic: Clinic, twilio: tuple[str, Any], memory_keyring: MemoryKeyring
) -> None:
    """Unlocked with nothing else reading it: the status learns of it within
    LOCKED_REASK asks (a quarter hour), not never."""
    sms_with_token(clinic, twilio[0])
    keyring.set_keyring(LockedKeyring())
    try:
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_sender": SENDER})
        assert reminders.status(clinic.db).secrets_locked == ("sms",)
    finally:
        keyring.set_keyring(memory_keyring)
    said = [reminders.status(clinic.db).secrets_locked for _ in range(reminders.LOCKED_REASK)]
    assert said[0] == ("sms",) and said[-1] == ()


def test_a_missing_secret_s_words_point_to_settings_too(clinic: Clinic) -> None:
    said = str(halt.attention("sms", halt.SECRET_MISSING))
    assert "Settings > Clinic > Message channels" in said
    assert "receptionist settings set channels.sms_token" in said
    standby = str(halt.takeover_warning("whatsapp"))
    assert "Settings > Clinic > Message channels" in standby


def test_replacing_a_secret_is_audited_without_its_value(
    clinic: Clinic, caplog: pytest.LogCaptureFixture, memory_keyring: MemoryKeyring
) -> None:
    caplog.set_level(logging.DEBUG)
    reminders.set_channel(clinic.db, clinic.ctx, "sms", {}, TOKEN)
    keyring.set_keyring(LockedKeyring())  # logged as refused: still no value
    try:
        reminders.set_channel(clinic.db, clinic.ctx, "sms", {}, TOKEN + "-2")
    finally:
        keyring.set_keyring(memory_keyring)
    reminders.set_channel(clinic.db, clinic.ctx, "sms", {}, "")
    with clinic.db.read() as s:
        feed = s.execute(select(ChangeEntry.__table__)).all()
    assert TOKEN not in repr(feed) and TOKEN not in caplog.text
    assert "keychain not written (KeyringLocked)" in caplog.text
    with clinic.db.read() as s:
        query = select(AuditEvent).where(AuditEvent.entity_type == "setting")
        events = s.scalars(query.order_by(AuditEvent.seq)).all()
        actions = [e.action for e in events]
        assert actions[-3:] == ["set_secret", "set_secret", "clear_secret"]
        every = s.execute(select(AuditEvent.__table__)).all()
    assert every and TOKEN not in repr(every)
    assert reminders.secret_state(clinic.db, "sms") == "none"


def test_reminders_status_on_the_command_line_says_the_keychain_is_locked(
    clinic: Clinic, twilio: tuple[str, Any], memory_keyring: MemoryKeyring
) -> None:
    from receptionist.cli.remindercmds import status_data, status_text
    from receptionist.zones import zone

    sms_with_token(clinic, twilio[0])
    keyring.set_keyring(LockedKeyring())
    try:
        settings.set_many(clinic.db, clinic.ctx, {"channels.sms_sender": "12345"})
        data = status_data(reminders.status(clinic.db), zone("Europe/Istanbul"))
    finally:
        keyring.set_keyring(memory_keyring)
    assert data["secrets_missing"] == ["sms"] and data["secrets_locked"] == ["sms"]
    assert LOCKED_WORDS in data["needs_attention"]["sms"]
    assert "not on this PC" not in status_text(data)


def test_a_secret_replaced_while_the_keychain_was_locked_wins_once_it_is_unlocked(
    clinic: Clinic, memory_keyring: MemoryKeyring
) -> None:
    """Replaced behind a locked keychain, the new secret goes to the file (the old entry
    cannot be deleted then); unlocked, the new one is read, never the old one."""
    ns = namespace(clinic)
    with clinic.db.write() as s:
        secretstore.write(s, clinic.ctx, ns, SMS_TOKEN, "old-token")
    keyring.set_keyring(LockedKeyring())
    try:
        with clinic.db.write() as s:
            secretstore.write(s, clinic.ctx, ns, SMS_TOKEN, TOKEN)
    finally:
        keyring.set_keyring(memory_keyring)
    with clinic.db.read() as s:
        assert secretstore.read(s, ns, SMS_TOKEN) == TOKEN
    with clinic.db.write() as s:  # written again with the keychain open: it goes there
        secretstore.write(s, clinic.ctx, ns, SMS_TOKEN, "newest")
    with clinic.db.read() as s:
        assert secretstore.read(s, ns, SMS_TOKEN) == "newest"
        assert s.get(LocalSecret, secretstore.stored_name(ns, SMS_TOKEN)) is None


@pytest.mark.parametrize("channel", ["email", "sms", "whatsapp"])
def test_every_channel_s_words_name_its_secret_and_where_to_enter_it(channel: str) -> None:
    name = halt.SECRET_NAMES[channel]
    locked = str(halt.attention(channel, halt.KEYCHAIN_LOCKED))
    assert f"the {name} could not be read" in locked and LOCKED_WORDS in locked
    assert f"once the {name} can be read" in locked
    missing = str(halt.attention(channel, halt.SECRET_MISSING))
    assert f"the {name} is not on this PC" in missing
    assert halt.SECRETS[channel].key in missing and halt.SECRETS[channel].key in locked
    ahead = str(halt.takeover_warning(channel, locked=True))
    assert f"cannot read its {name}" in ahead and "keychain is locked" in ahead
    assert "Settings > Clinic > Message channels" in ahead
