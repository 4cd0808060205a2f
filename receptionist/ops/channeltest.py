"""A test message through a reminder channel (issue #14): one fixed text, with no
patient's data in it, to an address or number the person types, through the very
sender dispatch uses (``sync/channels``, handed in as dispatch's are: the core never
touches the network). A wrong password or token shows here, in words saying what to
fix, instead of on a patient's reminder.

In three steps, so a front end can keep the network off its database worker:
:func:`prepare` (the role, the channel set up, the address checked, the message
composed), :func:`sender_for` (the channel's sender, its secret read: on the database
worker) and :func:`send` (the network), then :func:`record` (audited: the channel and
whether it went, never the address). :func:`test_channel` does all four. Nothing else
is written: no reminder, no entry in any patient's communication log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.journal import audit
from receptionist.patients import phones
from receptionist.patients import validation as patient_validation
from receptionist.reminders import config, halt
from receptionist.reminders.channels import Outcome, Outgoing, SecretMissing, Sender
from receptionist.reminders.settings import CHANNELS
from receptionist.settings import clinicstore
from receptionist.settings.clinic import PHONE_REGION
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .reminders import EmailSetup, channel_setup

PERMISSION = "clinic.configure"  # as setting the channel up: an administrator or a manager
CANNOT_TEST = Text(
    QT_TRANSLATE_NOOP(
        "core", "Your role cannot send a test message; ask a manager or an administrator."
    )
)
# The text sent: the same for every channel, nothing of any patient in it.
BODY = "Test message from {clinic} — Receptionist"
SUBJECT = "Test message from {clinic}"
REMINDER_ID = "channel-test"  # no reminder's: the e-mail's Message-ID names it
# The audit's actions; the entity is the channel ("email", "sms", "whatsapp").
SENT, FAILED = "channel_test_sent", "channel_test_failed"


@dataclass(frozen=True)
class TestMessage:
    """A test message ready to go: its channel, and the message as senders take it."""

    __test__ = False  # not a pytest test class

    channel: str
    message: Outgoing
    where: str  # the server or provider's host, as the sentences name it


@dataclass(frozen=True)
class TestResult:
    """What became of a test message: ``sent`` (the provider's id) or not, the
    sender's code ("" when sent), and a sentence saying what happened and what to do."""

    __test__ = False

    channel: str
    sent: bool
    provider_id: str
    code: str
    said: Text


def prepare(db: Database, ctx: Ctx, channel: str, to: str) -> TestMessage:
    """Check who asks, the channel and the address (``to``: an e-mail address, or a
    phone number with its country code or of the clinic's region), and compose the
    test message. Nothing is written."""
    require(ctx, PERMISSION, CANNOT_TEST)
    if channel not in CHANNELS:
        raise ValidationError(
            "channel",
            Text(
                QT_TRANSLATE_NOOP("core", "The channel must be one of: {channels}."),
                channels=", ".join(CHANNELS),
            ),
        )
    setup = channel_setup(db, secrets=())
    made = getattr(setup, channel)
    if made is None:
        raise ValidationError(
            "channel",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The {channel} channel is not set up: fill in its settings in Settings "
                    "> Clinic > Message channels (or receptionist channels set {channel}), "
                    "save, then send a test.",
                ),
                channel=channel,
            ),
        )
    with db.read() as s:
        clinic = config.load(s).clinic_name
        region = str(clinicstore.value(s, PHONE_REGION))
    if isinstance(made, EmailSetup):
        address, where = _address(to), f"{made.host}:{made.port}"
    else:
        address = _number(to, region)
        where = _host(made.base_url)
    message = Outgoing(
        REMINDER_ID, channel, address, SUBJECT.format(clinic=clinic),
        BODY.format(clinic=clinic), ctx.clock.now(),
    )  # fmt: skip
    return TestMessage(channel, message, where)


def _host(url: str) -> str:
    """The host (and port) of a base URL, as a sentence names it (no ``urllib`` in the
    core: ``tests/test_layers.py``)."""
    rest = url.partition("://")[2] or url
    return rest.partition("/")[0].rpartition("@")[2] or url


def _address(to: str) -> str:
    try:
        found = patient_validation.email(to)
    except ValidationError:
        found = None
    if found is None:
        raise ValidationError(
            "to",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The test message's address is not an e-mail address; type one like "
                    "name@example.com.",
                )
            ),
        )
    return found


def _number(to: str, region: str) -> str:
    try:
        return phones.as_e164(to.strip(), region or None)
    except phones.PhoneRefused:
        pass
    if region:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The test message's number is not a phone number: type one of {region} "
                "with its area code, like {national}, or one in international form, like "
                "{international}.",
            ),
            region=region,
            national=phones.example_for(region),
            international=phones.international_example(region),
        )
    else:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The test message's number is not a phone number in international form; "
                "type one like +905001112233.",
            )
        )
    raise ValidationError("to", said)


def sender_for(test: TestMessage, senders: Mapping[str, Sender]) -> Sender | Outcome:
    """The channel's sender from ``senders`` (dispatch's: ``sync.channels.build.Senders``,
    which reads the channel's secret from this PC's keychain now), or, when its
    password or token is not on this PC or cannot be read, the outcome saying so
    (nothing was sent)."""
    try:
        return senders[test.channel]
    except SecretMissing as missing:
        reason = halt.KEYCHAIN_LOCKED if missing.locked else halt.SECRET_MISSING
        return Outcome("permanent", code=reason)
    except KeyError:
        raise ValidationError(
            "channel",
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "The {channel} channel cannot send from this PC: its base URL is plain "
                    "HTTP to another computer. Use its https:// address in Settings > "
                    "Clinic > Message channels.",
                ),
                channel=test.channel,
            ),
        ) from None


def send(test: TestMessage, sender: Sender | Outcome) -> Outcome:
    """The test message through ``sender`` (the network; no database): its outcome."""
    if isinstance(sender, Outcome):
        return sender
    return sender.send(test.message)


def record(db: Database, ctx: Ctx, test: TestMessage, outcome: Outcome) -> TestResult:
    """Audit the test (its channel, and whether it went: never the address) and say
    what became of it. Also in a copy restored to look at, as its other audited looks
    (``Database.write``'s ``in_copy``): the test carries no patient data and went
    already; its audit is what a copy may keep."""
    sent = outcome.status == "sent"
    with db.write(in_copy=True) as s:
        audit.record(s, ctx, SENT if sent else FAILED, "channel", test.channel)
    code = "" if sent else outcome.code
    return TestResult(test.channel, sent, outcome.provider_id, code, explain(test, outcome))


def test_channel(
    db: Database, ctx: Ctx, channel: str, to: str, senders: Mapping[str, Sender]
) -> TestResult:
    """Send one test message through ``channel`` to ``to``, with dispatch's senders."""
    test = prepare(db, ctx, channel, to)
    outcome = send(test, sender_for(test, senders))
    return record(db, ctx, test, outcome)


test_channel.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


# -- what became of it, in words --------------------------------------------------------

_SENT: dict[str, str] = {
    "email": QT_TRANSLATE_NOOP(
        "core",
        "Sent: the e-mail server took the test message (Message-ID {id}). Check that it "
        "arrived (and, if not, the spam folder).",
    ),
    "sms": QT_TRANSLATE_NOOP(
        "core",
        "Sent: the SMS provider took the test message (message id {id}). Check that it "
        "arrived on the phone.",
    ),
    "whatsapp": QT_TRANSLATE_NOOP(
        "core",
        "Sent: Meta took the test message (message id {id}). Check that it arrived in "
        "WhatsApp on the phone.",
    ),
}
_CREDENTIALS = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: {where} refused the {secret}. Check the {secret} in Settings > Clinic > "
    "Message channels ({label}; or receptionist channels set {channel}), save it, then "
    "test again.",
)
_UNREACHABLE = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: {where} could not be reached (no connection: the server's name or port "
    "is wrong, this PC has no network, or the server is down). Check them in Settings > "
    "Clinic > Message channels and this PC's connection, then test again.",
)
_CONNECTION_LOST = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: the connection to {where} dropped before the message was handed over. "
    "Check this PC's connection, then test again.",
)
_SETUP = QT_TRANSLATE_NOOP("core", "Not sent: {what}")
_INVALID_NUMBER = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: the SMS provider says the number is not a valid mobile number (Twilio "
    "error 21211). Type it with its country code, like +905001112233, then test again.",
)
_RATE_LIMITED = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: the provider asked for fewer messages for now (a rate limit). Test again "
    "in a few minutes; the credentials were not refused.",
)
_OUTSIDE_WINDOW = QT_TRANSLATE_NOOP(
    "core",
    "Not delivered, but the WhatsApp token and phone number ID work: Meta took them, and "
    "refused only the text, as WhatsApp takes free text only to a number that wrote to "
    "the clinic's WhatsApp number in the last 24 hours (Meta error 131047). Send a "
    "message to the clinic's number from that phone, then test again.",
)
_RECIPIENT = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: the e-mail server refused the test message to that address ({code}). "
    "Check the address, or try another.",
)
_FOR_NOW = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: {where} answered with a temporary error ({code}). Test again later; if it "
    "lasts, ask whoever runs the server or check the provider's status page.",
)
_NOT_PROVIDER = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: something that is not the provider answered (HTTP {status}: a proxy or a "
    "sign-in page between this PC and {where}), so the credentials were not tried. Check "
    "this PC's network or proxy, then test again.",
)
_UNKNOWN = QT_TRANSLATE_NOOP(
    "core",
    "No answer came from {where} once the message went ({code}): it may or may not have "
    "been sent. Look on the phone or in the mailbox before you test again.",
)
_REFUSED = QT_TRANSLATE_NOOP(
    "core",
    "Not sent: {where} refused the test message ({code}). Check the channel's settings "
    "in Settings > Clinic > Message channels; the provider's own log says why.",
)


def explain(test: TestMessage, outcome: Outcome) -> Text:
    """What became of ``test``, and what to do: a sentence for a person."""
    channel, code, where = test.channel, outcome.code, test.where
    if outcome.status == "sent":
        return Text(_SENT[channel], id=outcome.provider_id or "-")
    if code in (halt.SECRET_MISSING, halt.KEYCHAIN_LOCKED):
        what = halt.what_to_fix(code, channel)
        if what is not None:
            return Text(_SETUP, what=what)
    if code == halt.REFUSED:
        setting = halt.SECRETS[channel]
        return Text(
            _CREDENTIALS, where=where, secret=Text(halt.SECRET_NAMES[channel]),
            label=setting.label, channel=channel,
        )  # fmt: skip
    if code in halt.SETUP:  # a set-up that fails every message: the stop's own words
        return Text(_SETUP, what=Text(halt.SETUP[code]))
    if outcome.status == "unknown":
        return Text(_UNKNOWN, where=where, code=code or "-")
    if code == "unreachable":
        return Text(_UNREACHABLE, where=where)
    if code == "connection_lost":
        return Text(_CONNECTION_LOST, where=where)
    if code.startswith("not_provider_"):
        return Text(_NOT_PROVIDER, status=code.removeprefix("not_provider_"), where=where)
    if code == "invalid_number":
        return Text(_INVALID_NUMBER)
    if code == "rate_limited" or outcome.http_status == 429:
        return Text(_RATE_LIMITED)
    if code == "outside_window":
        return Text(_OUTSIDE_WINDOW)
    if code == "recipient_refused" or (channel == "email" and code.startswith("smtp_5")):
        return Text(_RECIPIENT, code=code)
    if outcome.status == "transient":
        return Text(_FOR_NOW, where=where, code=code or "-")
    return Text(_REFUSED, where=where, code=code or "-")
