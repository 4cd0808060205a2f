"""A channel whose provider refused the clinic's credentials (SMTP 535, Twilio 401 /
20003, Meta 401 / 190), or whose set-up is wrong for every message (:data:`SETUP`: an
e-mail server that offers no STARTTLS or no sign-in, a certificate this PC does not
trust, a TLS handshake that fails, a sender the server or Twilio refuses: 21212,
21606; Meta's: no such phone-number ID, 100/33, the account restricted or locked, 368 /
131031, or its payment, 131042, fixed in WhatsApp Manager), stops: failing every
queued message one by one would tell the patients' logs nothing true (each message
was fine) and would leave none to send once the settings are right. Each stop's
reason names what to fix (:func:`attention`).

The message that met the refusal goes back to the queue, and every message later due
on that channel stays queued, with the reason :data:`HALTED` (or ``setup:<code>``:
:data:`REASONS`) (``pending``, never
``failed``); a round leaves such messages alone, but skips one whose appointment
began (or went) meanwhile (``held.past_held``; one tried in vain before the stop
fails as given up, ``retried_until_start:<code>``, logged). A send cut short whose status
lookup met the refusal stays ``sending`` with that reason (:data:`LOOKUP`: it may have
arrived), never skipped, and is looked up again once resumed. The channel is stopped while a
message waits on it (:func:`halted`). Saving the channel's settings again (its token
or password, its account, its address: ``ops.settings.set_many``) resumes it
(:func:`resume`): the messages go at the next round, with every check of sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from receptionist.models import Reminder
from receptionist.texts import QT_TRANSLATE_NOOP, Text, placeholders

from . import channelsettings
from .channels import Outcome

HALTED = "credentials_refused"  # a queued message's reason while its channel is stopped
REFUSED = "refused_credentials"  # the senders' code for a refusal of the credentials
NEEDS_ATTENTION = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: the provider refused the credentials. Re-enter them "
    "(Settings > Clinic > Message channels, or receptionist channels set {channel}); the "
    "queued messages wait, and go once they are saved.",
)
NEEDS_SETUP = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: {what} Nothing was sent. Fix it (receptionist channels "
    "set {channel}, or Settings > Clinic > Message channels); the queued messages wait, "
    "and go once the channel's settings are saved.",
)
# A sender saved before today's check that it refuses (:data:`SENDER_WORDS` say where to
# fix it): no second command.
NEEDS_SENDER = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: {what} Nothing was sent; the queued messages wait, and go "
    "once the sender is saved.",
)
# The senders' codes for a set-up that fails every message (met before anything was
# handed over), and what to fix; the queued messages' reason is SETUP_PREFIX + code.
SETUP_PREFIX = "setup:"
SETUP: dict[str, str] = {
    "tls_not_offered": QT_TRANSLATE_NOOP(
        "core",
        "the e-mail server does not offer STARTTLS. Set E-mail security to tls "
        "(--security tls) if it takes TLS from the first byte (usually port 465), to none "
        "(--security none) for a relay on this PC or the clinic's own network, or turn "
        "STARTTLS on in the server.",
    ),
    "auth_not_offered": QT_TRANSLATE_NOOP(
        "core",
        "the e-mail server offers no sign-in (AUTH) on this connection, yet a user name "
        "is set. Leave E-mail user name empty (--username out) if the server takes mail "
        "without signing in, or set E-mail security to starttls or tls (--security): many "
        "servers offer sign-in only encrypted.",
    ),
    "certificate_untrusted": QT_TRANSLATE_NOOP(
        "core",
        "this PC does not trust the e-mail server's certificate (self-signed, expired, or "
        "made out to another name than E-mail server, --host). Use the host name the "
        "certificate names, or install the certificate's authority on this PC.",
    ),
    "tls_failed": QT_TRANSLATE_NOOP(
        "core",
        "the encrypted connection to the e-mail server failed. Check E-mail security "
        "(--security) against E-mail port (--port): tls on 465, starttls on 587, none on "
        "25.",
    ),
    "mail_refused": QT_TRANSLATE_NOOP(
        "core",
        "the e-mail server refused mail from the clinic's sender before any message was "
        "handed over. Check E-mail sender (--sender), and whether the server wants a "
        "sign-in (E-mail user name, --username) or STARTTLS first.",
    ),
    "server_refused": QT_TRANSLATE_NOOP(
        "core",
        "the e-mail server refused this PC before any message was handed over (a 5xx "
        "greeting: this PC's address may be blocked, or the server takes no mail from "
        "it). Check E-mail server and E-mail port (--host, --port), or ask the server's "
        "administrator to allow it.",
    ),
    "invalid_sender": QT_TRANSLATE_NOOP(
        "core",
        "the SMS provider says the sender (From) is not a number or sender ID of the "
        "account (Twilio error 21212). Set one as SMS sender (--sender): +905001112233 or "
        "an approved sender ID.",
    ),
    "sender_not_capable": QT_TRANSLATE_NOOP(
        "core",
        "the SMS provider says the sender number cannot send SMS to the patients' "
        "numbers (Twilio error 21606). Choose an SMS-capable number of the account as SMS "
        "sender (--sender).",
    ),
    # Meta's (``sync.channels.whatsapp.SETUP``): fixed in Meta's WhatsApp Manager, then
    # the channel's settings saved again (:data:`NEEDS_META`).
    "phone_id_unknown": QT_TRANSLATE_NOOP(
        "core",
        "Meta does not know the WhatsApp phone number ID for this token (Meta error 100, "
        "subcode 33): mistyped, the number deleted, or the token of another account. Copy "
        "the number's Phone number ID from Meta's WhatsApp Manager (API Setup) into "
        "WhatsApp phone number id (--account).",
    ),
    "account_restricted": QT_TRANSLATE_NOOP(
        "core",
        "Meta has restricted the clinic's WhatsApp Business account for a policy "
        "violation (Meta error 368). See Account quality in Meta's WhatsApp Manager: it "
        "says why and until when, and where to request a review.",
    ),
    "account_locked": QT_TRANSLATE_NOOP(
        "core",
        "Meta has locked the clinic's WhatsApp Business account (Meta error 131031), for "
        "a policy violation or data Meta could not verify. See Account quality in Meta's "
        "WhatsApp Manager for why, and request a review there.",
    ),
    "payment_problem": QT_TRANSLATE_NOOP(
        "core",
        "Meta refuses the clinic's messages for a payment problem (Meta error 131042): no "
        "valid payment method on the WhatsApp Business account, or a payment failed. Add "
        "or fix the payment method in Meta's WhatsApp Manager (Payment settings).",
    ),
}
# The set-up codes fixed at Meta, not in the channel's settings: their words say so.
AT_META = ("phone_id_unknown", "account_restricted", "account_locked", "payment_problem")
NEEDS_META = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: {what} Nothing was sent; the queued messages wait. Once "
    "it is fixed, save the channel's settings again (receptionist channels set "
    "{channel}, or Settings > Clinic > Message channels) and they go.",
)
# A sender saved before today's check that the check refuses now (``channelsettings.
# refused_senders``): found by dispatch before anything goes, never by the provider.
SENDER_SAVED = SETUP_PREFIX + "sender_refused"
SENDER_WORDS: dict[str, str] = {
    "email": QT_TRANSLATE_NOOP(
        "core",
        "the e-mail sender '{sender}' (saved before this check) is not an e-mail address "
        "like desk@clinic.example, or a name and one: Moda Dental <desk@clinic.example>. "
        "Fix it in Settings > Clinic > Message channels (E-mail sender) or with "
        "receptionist settings set channels.email_sender ADDRESS.",
    ),
    "sms": QT_TRANSLATE_NOOP(
        "core",
        "the SMS sender '{sender}' (saved before this check) is not a valid phone number "
        "in international form, like +905001112233, a short code of 5 or 6 digits, or a "
        "sender ID of 1 to 11 letters, digits and spaces. Type it again (a number as the "
        "clinic writes numbers, or with its country code) in Settings > Clinic > "
        "Message channels (SMS sender) or with receptionist settings set "
        "channels.sms_sender NUMBER.",
    ),
    "whatsapp": QT_TRANSLATE_NOOP(
        "core",
        "the WhatsApp phone number id '{sender}' (saved before this check) is not the ID "
        "Meta gives the business number (digits only, like 106540352242922), which "
        "messages are sent from. Copy it from WhatsApp Manager > API Setup into Settings "
        "> Clinic > Message channels (WhatsApp phone number id) or run receptionist "
        "settings set channels.whatsapp_account ID.",
    ),
}
# The channel's password or token is not on this PC: secrets never travel (neither
# synced nor in backups), so a stand-by that took over, or a PC restored from a backup,
# has none until someone enters it here. Found before any request (the senders are not
# made without it: ``channels.SecretMissing``), never as "the credentials were refused".
SECRET_MISSING = SETUP_PREFIX + "secret_missing"
_ON_EACH_PC = QT_TRANSLATE_NOOP(
    "core",
    "the {secret} is not on this PC (passwords and tokens stay on the PC they were typed "
    "on: they are neither synced nor in backups). Enter it on this PC: in Settings > "
    "Clinic > Message channels ({label}, an administrator), or with receptionist "
    "settings set {key} (or receptionist channels set {channel} ...).",
)
# A stand-by (or a station while another PC holds the lease): it does not send now,
# and could not if it took over.
_TAKEOVER = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: this PC could take over sending but has no {secret}: enter it on this PC "
    "before it has to (Settings > Clinic > Message channels, {label}; or receptionist "
    "settings set {key}, or receptionist channels set {channel} ...); passwords and "
    "tokens stay on the PC they were typed on.",
)
# The channel's secret could not be read: this PC's keychain is there but refused (a
# locked collection, a keychain service not answering). It may well hold the secret,
# so the words say to unlock it, not to type it again; each round asks again
# (``dispatch``), and the messages go once it answers, with nothing saved.
KEYCHAIN_LOCKED = SETUP_PREFIX + "keychain_locked"
_LOCKED = QT_TRANSLATE_NOOP(
    "core",
    "the {secret} could not be read: this PC's keychain is locked or not available "
    "(Windows Credential Manager, the macOS Keychain, or the desktop's keyring). Unlock "
    "it (sign in to this PC's account again, or unlock the login keyring when asked); "
    "each round tries again. If it stays locked, enter the {secret} again in Settings > "
    "Clinic > Message channels ({label}) or with receptionist settings set {key}: it is "
    "then kept in the clinic's encrypted file on this PC.",
)
_TAKEOVER_LOCKED = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: this PC could take over sending but cannot read its {secret}: this PC's "
    "keychain is locked or not available. Unlock it before it has to (or enter the "
    "{secret} again in Settings > Clinic > Message channels, {label}).",
)
NEEDS_KEYCHAIN = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: {what} Nothing was sent; the queued messages wait, and go "
    "once the {secret} can be read.",
)
NEEDS_SECRET = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: needs attention: {what} Nothing was sent; the queued messages wait, and go "
    "once it is saved.",
)
# Each channel's secret, as a sentence names it, and the setting that keeps it.
SECRET_NAMES: dict[str, str] = {
    "email": QT_TRANSLATE_NOOP("core", "e-mail password"),
    "sms": QT_TRANSLATE_NOOP("core", "SMS token"),
    "whatsapp": QT_TRANSLATE_NOOP("core", "WhatsApp token"),
}
SECRETS = {
    "email": channelsettings.EMAIL_PASSWORD,
    "sms": channelsettings.SMS_TOKEN,
    "whatsapp": channelsettings.WHATSAPP_TOKEN,
}
# A sender's code that stops the channel -> the waiting messages' reason.
STOPS: dict[str, str] = {REFUSED: HALTED, **{c: SETUP_PREFIX + c for c in SETUP}}
REASONS = (*STOPS.values(), SENDER_SAVED, SECRET_MISSING, KEYCHAIN_LOCKED)


def stops(outcome: Outcome) -> str | None:
    """The reason the channel stops for ``outcome`` (the credentials refused, or a
    set-up that fails every message), or None: it is about this message only."""
    return STOPS.get(outcome.code) if outcome.status == "permanent" else None


def refused(outcome: Outcome) -> bool:
    """The provider refused the credentials (not the message)."""
    return stops(outcome) == HALTED


def what_to_fix(reason: str, channel: str = "", sender: str = "") -> Text | None:
    """What a set-up stop's reason (``setup:...``) asks a person to fix; for a sender
    the check refuses (:data:`SENDER_SAVED`), the ``channel``'s, as saved (``sender``)."""
    if reason == SENDER_SAVED:
        words = SENDER_WORDS.get(channel)
        return Text(words, sender=sender) if words is not None else None
    if reason in (SECRET_MISSING, KEYCHAIN_LOCKED) and channel in SECRET_NAMES:
        return _secret_words(_ON_EACH_PC if reason == SECRET_MISSING else _LOCKED, channel)
    if reason in (SECRET_MISSING, KEYCHAIN_LOCKED):
        return None
    said = SETUP.get(reason.removeprefix(SETUP_PREFIX))
    return Text(said) if said is not None and reason.startswith(SETUP_PREFIX) else None


def attention(channel: str, reason: str = HALTED, sender: str = "") -> Text:
    """What to do about ``channel``, stopped for ``reason`` (``sender``: its sender as
    saved, where the check refuses it): a set-up's words are wrapped in where to fix it
    (:data:`NEEDS_SETUP`); a refused sender's name that themselves."""
    what = what_to_fix(reason, channel, sender)
    if what is None:
        return Text(NEEDS_ATTENTION, channel=channel)
    if reason == SENDER_SAVED:
        around = NEEDS_SENDER
    elif reason == SECRET_MISSING:
        around = NEEDS_SECRET
    elif reason == KEYCHAIN_LOCKED:
        return Text(NEEDS_KEYCHAIN, channel=channel, what=what, secret=Text(SECRET_NAMES[channel]))
    elif reason.removeprefix(SETUP_PREFIX) in AT_META:
        around = NEEDS_META
    else:
        around = NEEDS_SETUP
    return Text(around, channel=channel, what=what)


def takeover_warning(channel: str, locked: bool = False) -> Text:
    """What a PC that may take the sending over says ahead when ``channel``'s secret is
    not on it (``locked``: its keychain refused to be read)."""
    return _secret_words(_TAKEOVER_LOCKED if locked else _TAKEOVER, channel)


def _secret_words(words: str, channel: str) -> Text:
    name, setting = Text(SECRET_NAMES[channel]), SECRETS[channel]
    given = {"channel": channel, "secret": name, "key": setting.key, "label": setting.label}
    return Text(words, **{k: v for k, v in given.items() if k in placeholders(words)})


# A message waiting on a stopped channel (a round skips it once its appointment began).
WAITING = (Reminder.state == "pending", Reminder.reason.in_(REASONS))
# ... or a send cut short whose status lookup the provider refused: still "sending"
# (it may have arrived), looked up again once the credentials are saved, never skipped.
LOOKUP = (Reminder.state == "sending", Reminder.reason.in_(REASONS))
_STOPPING_STATES = ("pending", "sending")
# ``ix_reminder_stopped`` holds only the messages with a reason (a queue of 20,000 has
# a handful): its condition, written as the index writes it, lets SQLite search it
# rather than pass over every queued message (each round asks, and each due message).
HAS_REASON = text("reminder.reason <> ''")
_STOPPED = (Reminder.state.in_(_STOPPING_STATES), Reminder.reason.in_(REASONS), HAS_REASON)


def halted(s: Session) -> set[str]:
    """The channels stopped now: those a message waits on for its credentials."""
    query = select(Reminder.channel).where(*_STOPPED)
    return set(s.scalars(query.distinct()))


def causes(s: Session) -> dict[str, str]:
    """The channels stopped now, each with its reason (one of :data:`REASONS`)."""
    return causes_among(kinds(s))


def kinds(s: Session) -> list[tuple[str, str, str]]:
    """The (state, channel, reason) of the messages that stop a channel now, each once:
    :func:`causes` of them, and whether any is queued (``pending``, :data:`WAITING`)
    rather than a lookup that waits (:data:`LOOKUP`). A search of ``ix_reminder_stopped``:
    ``dispatch`` reads it once a round."""
    query = select(Reminder.state, Reminder.channel, Reminder.reason).where(*_STOPPED)
    return [(state, channel, reason) for state, channel, reason in s.execute(query.distinct())]


def causes_among(kinds: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """:func:`causes`, from the (state, channel, reason) of messages read already (the
    status bar's one pass over them): a channel with several reasons says the greatest."""
    found: dict[str, str] = {}
    for state, channel, reason in kinds:
        if state in _STOPPING_STATES and reason in REASONS:
            found[channel] = max(found.get(channel, reason), reason)
    return found


def is_halted(s: Session, channel: str) -> bool:
    """Whether ``channel`` is stopped now (a message waits on it for its credentials)."""
    return cause(s, channel) is not None


def cause(s: Session, channel: str) -> str | None:
    """Why ``channel`` is stopped now (one of :data:`REASONS`), or None: it is not."""
    query = select(Reminder.reason).where(*_STOPPED, Reminder.channel == channel).limit(1)
    return s.scalar(query)


def hold(r: Reminder, channel: str, now: datetime, reason: str = HALTED) -> None:
    """Keep ``r`` queued for ``channel`` until its settings are saved again."""
    r.state, r.channel, r.reason = "pending", channel, reason
    r.next_try_at = r.claimed_at = None
    r.updated_at = now


def await_lookup(r: Reminder, now: datetime, reason: str = HALTED) -> None:
    """Keep ``r`` "sending" (its lookup was refused) until the credentials are saved
    again; its channel is stopped meanwhile."""
    r.reason, r.updated_at = reason, now


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
