"""What a channel sender is, as dispatch sees it. The senders (SMTP, a Twilio-
compatible REST API, Meta's WhatsApp Cloud API) live in ``sync/channels``; the core
hands them an :class:`Outgoing` and gets an :class:`Outcome` back.

A sender sorts every failure into one of three: ``transient`` (the provider is busy or
unreachable, a rate limit: try again later), ``permanent`` (an invalid number, the
patient opted out, refused credentials: stop), or ``unknown`` (the request may have
reached the provider, and its answer did not come back: never resent blindly).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from .watemplates import Call

Status = Literal["sent", "transient", "permanent", "unknown"]

# The transient codes of a try that got no connection to the provider through (none
# made, or it dropped before the message went): the round's other messages on that
# channel wait for its next try (``dispatch``).
NO_CONNECTION = ("unreachable", "connection_lost")
# ... and of every try that never reached the provider: a proxy refused the tunnel, or
# something else answered with its own page (``NOT_PROVIDER`` + the HTTP status:
# ``sync/channels/web.py``). The network's doing, not the provider's: such messages go
# as soon as the network returns (``dispatch.network_back``).
NOT_REACHED = (*NO_CONNECTION, "proxy_refused")
NOT_PROVIDER = "not_provider_"


def reached_none(code: str) -> bool:
    """Whether a try that failed for now with ``code`` never reached the provider."""
    return code in NOT_REACHED or code.startswith(NOT_PROVIDER)


@dataclass(frozen=True)
class Outgoing:
    """One message to one address. ``digest`` is what a status lookup matches."""

    reminder_id: str
    channel: str
    to: str
    subject: str
    body: str
    at: datetime  # when it went "sending"
    # WhatsApp: the approved template to send instead of the text (None: the text).
    template: Call | None = None

    @property
    def digest(self) -> str:
        return digest(self.channel, self.to, self.body)


@dataclass(frozen=True)
class Outcome:
    """What became of a send. ``code`` is the provider's error code or a short word,
    never the provider's text (it may quote the number); ``retry_after`` in seconds;
    ``http_status`` the HTTP (or SMTP) status of the provider's answer, if one came.
    ``ask_later``: an "unknown" the provider's status lookup can settle (its answer
    did not come, and it can list what it took): the message stays "sending" and is
    looked up once it is stale (``dispatch._recover``), instead of waiting for a person."""

    status: Status
    provider_id: str = ""
    code: str = ""
    retry_after: float | None = None
    http_status: int | None = None
    ask_later: bool = False


@dataclass(frozen=True)
class Lost:
    """A message whose send was cut short: what the station still knows of it."""

    reminder_id: str
    channel: str
    to: str
    digest: str
    at: datetime


class SecretMissing(Exception):
    """A channel's sender cannot be made on this PC: its password or token is not here
    (``halt.SECRET_MISSING``), or this PC's keychain refused to be read (``locked``:
    ``halt.KEYCHAIN_LOCKED``). Raised by the senders' mapping before any request."""

    def __init__(self, channel: str, locked: bool = False) -> None:
        super().__init__(channel)
        self.channel = channel
        self.locked = locked


class Sender(Protocol):
    channel: str

    def send(self, message: Outgoing) -> Outcome:
        """Send it once; never raises for a network or provider failure."""
        ...

    def lookup(self, lost: Lost) -> Outcome | None:
        """Ask the provider whether a message cut short reached it: ``sent`` (with its
        id) or ``permanent`` with code "absent" (not found in its list: "unknown" for a
        person, never sent again by itself), or None when the provider has no way to
        tell."""
        ...


def digest(channel: str, to: str, body: str) -> str:
    return hashlib.sha256(f"{channel}\n{to}\n{body}".encode()).hexdigest()
