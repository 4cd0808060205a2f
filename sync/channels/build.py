"""The senders of the channels the clinic has set up, from its settings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from receptionist.ops import reminders as reminder_ops
from receptionist.ops.reminders import ChannelSetup
from receptionist.reminders.channels import SecretMissing, Sender
from receptionist.store.storage import Database

from .smtp import SmtpSender
from .twilio import TwilioSender
from .web import usable
from .whatsapp import WhatsAppSender


def senders(setup: ChannelSetup) -> dict[str, Sender]:
    """A sender per channel set up; an HTTP channel whose base URL is plain HTTP to
    another host is left out (patient data travels only encrypted)."""
    made: dict[str, Sender] = {}
    if setup.email is not None:
        e = setup.email
        made["email"] = SmtpSender(
            e.host, e.port, e.sender, security=e.security, username=e.username, password=e.password
        )
    if setup.sms is not None and usable(setup.sms.base_url):
        s = setup.sms
        made["sms"] = TwilioSender(s.base_url, s.account, s.sender, s.token)
    if setup.whatsapp is not None and usable(setup.whatsapp.base_url):
        w = setup.whatsapp
        made["whatsapp"] = WhatsAppSender(w.base_url, w.account, w.token)
    return made


class Senders(Mapping[str, Sender]):
    """The senders of one dispatch round, each made the first time the round sends (or
    looks up) through it: its password or token is read from the keychain then, and
    never on a round with nothing to send (reminders off, this PC not the station,
    nothing due). Its keys (the channels set up) need no secret.

    Checked as each message goes: a sender whose channel's settings or secret were
    saved since it was made (after a provider refused the credentials, the desk saves
    new ones while the round runs) is made again, from what is saved now, so the
    round's next message goes with them; a stale sender never keeps going.

    A channel whose password or token is not on this PC (secrets never travel) gets no
    sender: :class:`SecretMissing` is raised instead, before any request, and dispatch
    stops the channel on it (``halt.SECRET_MISSING``; ``halt.KEYCHAIN_LOCKED`` when the
    keychain refused to be read: tried again each round)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._channels = list(senders(reminder_ops.channel_setup(db, secrets=())))
        self._made: dict[str, Sender] = {}
        self._seen = reminder_ops.channels_saved(db, 1 << 62)[0]  # the log's newest event

    def __getitem__(self, channel: str) -> Sender:
        if channel not in self._channels:
            raise KeyError(channel)
        self._seen, saved = reminder_ops.channels_saved(self.db, self._seen)
        for stale in saved:
            self._made.pop(stale, None)
        if channel not in self._made:
            setup = reminder_ops.channel_setup(self.db, secrets=(channel,))
            if setup.missing_secret(channel):  # never a request with an empty token
                raise SecretMissing(channel, locked=channel in setup.locked)
            self._made[channel] = senders(setup)[channel]
        return self._made[channel]

    def __iter__(self) -> Iterator[str]:
        return iter(self._channels)

    def __len__(self) -> int:
        return len(self._channels)
