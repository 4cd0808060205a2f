"""A channel whose provider refused the clinic's credentials (SMTP 535, Twilio 401 /
20003, Meta 401 / 190) stops: failing every queued message one by one would tell the
patients' logs nothing true (each message was fine) and would leave none to send once
the credentials are right.

The message that met the refusal goes back to the queue, and every message later due
on that channel stays queued, with the reason :data:`HALTED` (``pending``, never
``failed``); a round leaves such messages alone, but skips one whose appointment
began (or went) meanwhile (``dispatch._past_held``). A send cut short whose status
lookup met the refusal stays ``sending`` with that reason (:data:`LOOKUP`: it may have
arrived), never skipped, and is looked up again once resumed. The channel is stopped while a
message waits on it (:func:`halted`). Saving the channel's settings again (its token
or password, its account, its address: ``ops.settings.set_many``) resumes it
(:func:`resume`): the messages go at the next round, with every check of sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from receptionist.models import Reminder
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .channels import Outcome

HALTED = "credentials_refused"  # a queued message's reason while its channel is stopped
REFUSED = "refused_credentials"  # the senders' code for a refusal of the credentials
NEEDS_ATTENTION = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: the provider refused the credentials. Re-enter them "
    "(receptionist channels set {channel}); the queued messages wait, and go once they "
    "are saved.",
)


def refused(outcome: Outcome) -> bool:
    """The provider refused the credentials (not the message)."""
    return outcome.status == "permanent" and outcome.code == REFUSED


def attention(channel: str) -> Text:
    return Text(NEEDS_ATTENTION, channel=channel)


# A message waiting on a stopped channel (a round skips it once its appointment began).
WAITING = (Reminder.state == "pending", Reminder.reason == HALTED)
# ... or a send cut short whose status lookup the provider refused: still "sending"
# (it may have arrived), looked up again once the credentials are saved, never skipped.
LOOKUP = (Reminder.state == "sending", Reminder.reason == HALTED)
_STOPPED = (Reminder.state.in_(("pending", "sending")), Reminder.reason == HALTED)


def halted(s: Session) -> set[str]:
    """The channels stopped now: those a message waits on for its credentials."""
    query = select(Reminder.channel).where(*_STOPPED)
    return set(s.scalars(query.distinct()))


def is_halted(s: Session, channel: str) -> bool:
    """Whether ``channel`` is stopped now (a message waits on it for its credentials)."""
    query = select(Reminder.id).where(*_STOPPED, Reminder.channel == channel).limit(1)
    return s.scalar(query) is not None


def hold(r: Reminder, channel: str, now: datetime) -> None:
    """Keep ``r`` queued for ``channel`` until the credentials are saved again."""
    r.state, r.channel, r.reason = "pending", channel, HALTED
    r.next_try_at = r.claimed_at = None
    r.updated_at = now


def await_lookup(r: Reminder, now: datetime) -> None:
    """Keep ``r`` "sending" (its lookup was refused) until the credentials are saved
    again; its channel is stopped meanwhile."""
    r.reason, r.updated_at = HALTED, now


def resume(s: Session, channels: Iterable[str], now: datetime) -> int:
    """Let the messages waiting on ``channels`` go at the next round; how many."""
    chosen = list(channels)
    if not chosen:
        return 0
    done = s.execute(
        update(Reminder)
        .where(*_STOPPED, Reminder.channel.in_(chosen))
        .values(reason="", next_try_at=None, updated_at=now)
    )
    return int(done.rowcount)  # type: ignore[attr-defined]
