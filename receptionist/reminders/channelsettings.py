"""Where each channel's messages go: the clinic's SMTP server, its SMS provider (a
Twilio-compatible REST API) and its WhatsApp Business number (Meta's Cloud API).

Addresses and account names are clinic settings; passwords and tokens are secrets
(the OS keychain, else the encrypted file), never shown. A channel whose host or base
URL is empty is not set up, and nothing goes through it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from receptionist.errors import ValidationError
from receptionist.hosts import loopback
from receptionist.patients import phones
from receptionist.settings import clinicstore
from receptionist.settings.kinds import Choice, Kind, Whole, Words
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text

CONFIGURE = "clinic.configure"  # addresses and senders: a manager may
KEYS_MANAGE = "keys.manage"  # passwords and tokens: an administrator, as every secret
SECURITY = ("none", "starttls", "tls")
SECURITY_LABELS = {
    "none": QT_TRANSLATE_NOOP("core", "None (not encrypted)"),
    "starttls": QT_TRANSLATE_NOOP("core", "STARTTLS"),
    "tls": QT_TRANSLATE_NOOP("core", "TLS"),
}


def url_rule(text: str, key: str, label: str) -> str:
    """An https:// base URL, without a trailing slash (or empty); plain http:// only to
    this PC (127.0.0.1, ::1, localhost: a test server, a local relay), as the senders
    send patient data only encrypted."""
    # The scheme in any case (RFC 3986, and what the senders accept): "HTTPS://" is https.
    found = re.fullmatch(r"(?i:(https?))://([^\s/?#]+)(/[^\s?#]*)?", text)
    if text and (found is None or (found[1].lower() == "http" and not loopback(found[2]))):
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{label} must be a web address starting https:// (or empty): https is "
                    "required; plain http:// only to this PC (127.0.0.1, ::1 or localhost).",
                ),
                label=label,
            ),
        )
    return text.rstrip("/")


_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*"
_MAILBOX = re.compile(rf"(?P<bare>{_ADDRESS})|[^<>@,;:\"\\]*<(?P<inside>{_ADDRESS})>")
_SENDER_ID = re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9 ]{1,11}")
_SHORT_CODE = re.compile(r"[0-9]{5,6}")  # a Twilio short code: 5 or 6 digits


def email_sender_rule(text: str, key: str, label: str) -> str:
    """An e-mail address (``desk@clinic.example``), or a name and one (``Moda Dental
    <desk@clinic.example>``), or empty: what the From header and MAIL FROM take."""
    if text and _MAILBOX.fullmatch(text) is None:
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{label} must be an e-mail address, like desk@clinic.example, or a name "
                    "and an address: Moda Dental <desk@clinic.example>.",
                ),
                label=label,
            ),
        )
    return text


_SENDER_WORDS = QT_TRANSLATE_NOOP(
    "core",
    "a short code of 5 or 6 digits, like 12345, or a sender ID of 1 to 11 letters, "
    "digits and spaces with at least one letter (the provider's rule for sender IDs).",
)


def _number(text: str, key: str, label: str, region: str | None, sms: bool) -> str:
    """``text`` as E.164 by the rule patients' numbers go through (``patients.phones``):
    read in the clinic's ``region`` when it has no country code; with no region (a value
    as stored, checked again), only a number with its country code is one. A refusal
    says what to type: the region's number in both forms, and for SMS the other
    senders."""
    try:
        return phones.as_e164(text, region)
    except phones.PhoneRefused as refused:
        why = refused.why
    if why == "extension":
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{label} has an extension, which a sender's number cannot have; type the "
                "number alone.",
            ),
            label=label,
        )
    elif why == "letters" and not sms:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{label} contains letters, and WhatsApp has no sender names; type the "
                "number in digits only.",
            ),
            label=label,
        )
    elif region and sms:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{label} must be a phone number of {region} with its area code, like "
                "{national}, or one in international form, like {international}; or "
                "{senders}",
            ),
            label=label,
            region=region,
            national=phones.example_for(region),
            international=phones.international_example(region),
            senders=Text(_SENDER_WORDS),
        )
    elif region:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{label} must be a phone number of {region} with its area code, like "
                "{national}, or one in international form, like {international}.",
            ),
            label=label,
            region=region,
            national=phones.example_for(region),
            international=phones.international_example(region),
        )
    elif sms:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{label} must be a number in international form, like +905001112233, {senders}",
            ),
            label=label,
            senders=Text(_SENDER_WORDS),
        )
    else:
        said = Text(
            QT_TRANSLATE_NOOP(
                "core", "{label} must be a number in international form, like +905001112233."
            ),
            label=label,
        )
    raise ValidationError(key, said)


def sms_sender_rule(text: str, key: str, label: str, region: str | None = None) -> str:
    """What Twilio takes as ``From``: a phone number (stored in E.164, ``+905001112233``;
    typed without its country code, read in the clinic's ``region``, as patients'
    numbers are), a short code (5 or 6 digits, as they are: ``12345``) or an
    alphanumeric sender ID (1 to 11 letters, digits and spaces, at least one letter),
    or empty. ``region`` None: the value as stored, so a number only in E.164."""
    if not text or _SENDER_ID.fullmatch(text) or _SHORT_CODE.fullmatch(text):
        return text
    return _number(text, key, label, region, sms=True)


def whatsapp_sender_rule(text: str, key: str, label: str, region: str | None = None) -> str:
    """The business number as patients see it (E.164; typed without its country code,
    read in ``region``), or empty. Meta's Cloud API sends from the number's *id*
    (``channels.whatsapp_account``), never from this: it is the number itself, so no
    sender ID or short code."""
    return _number(text, key, label, region, sms=False) if text else ""


_GRAPH_ID = re.compile(r"[1-9][0-9]{0,31}")


def whatsapp_id_rule(text: str, key: str, label: str) -> str:
    """The business number's ID in Meta's Cloud API (``106540352242922``), or empty: what
    WhatsApp sends from (``POST /{phone-number-id}/messages``). A Graph ID is digits with
    no leading zero, so the number itself (``+90 ...``, ``0532 ...``) is refused here,
    saying where it goes."""
    if text and _GRAPH_ID.fullmatch(text) is None:
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{label} must be the ID Meta gives the business number (WhatsApp "
                    "Manager > API Setup), digits only, like 106540352242922: messages are "
                    "sent from it. The number itself goes in WhatsApp number.",
                ),
                label=label,
            ),
        )
    return text


def _plain(
    key: str,
    kind: Kind,
    default: object,
    label: str,
    help: str,
    in_region: Callable[[str, str, str, str], str] | None = None,
) -> Setting:
    return declare(
        Setting(key, "clinic", kind, default, label, help, CONFIGURE, in_region=in_region)
    )


def _secret(key: str, label: str, help: str) -> Setting:
    return declare(Setting(key, "secret", Words(4000), "", label, help, KEYS_MANAGE))


EMAIL_HOST = _plain(
    "channels.email_host",
    Words(253, required=False),
    "",
    Text(QT_TRANSLATE_NOOP("core", "E-mail server")),
    Text(QT_TRANSLATE_NOOP("core", "The SMTP server's host name (empty: no e-mail).")),
)
EMAIL_PORT = _plain(
    "channels.email_port",
    Whole(1, 65535),
    587,
    Text(QT_TRANSLATE_NOOP("core", "E-mail port")),
    Text(QT_TRANSLATE_NOOP("core", "Usually 587 with STARTTLS, 465 with TLS.")),
)
EMAIL_SECURITY = _plain(
    "channels.email_security",
    Choice(
        SECURITY,
        tuple(Text(SECURITY_LABELS[word]) for word in SECURITY),
    ),
    "starttls",
    Text(QT_TRANSLATE_NOOP("core", "E-mail security")),
    Text(QT_TRANSLATE_NOOP("core", "As the e-mail provider says.")),
)
EMAIL_SENDER = _plain(
    "channels.email_sender",
    Words(254, required=False, rule=email_sender_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "E-mail sender")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The address reminders come from: desk@clinic.example, or Moda Dental "
            "<desk@clinic.example>.",
        )
    ),
)
EMAIL_USERNAME = _plain(
    "channels.email_username",
    Words(254, required=False),
    "",
    Text(QT_TRANSLATE_NOOP("core", "E-mail user name")),
    Text(QT_TRANSLATE_NOOP("core", "Empty: the server takes mail without signing in.")),
)
EMAIL_PASSWORD = _secret(
    "channels.email_password",
    Text(QT_TRANSLATE_NOOP("core", "E-mail password")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The SMTP account's password. Kept on this PC only (its keychain), never "
            "shown, synced or backed up: each PC that sends needs its own.",
        )
    ),
)
SMS_BASE_URL = _plain(
    "channels.sms_base_url",
    Words(500, required=False, rule=url_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "SMS provider")),
    Text(
        QT_TRANSLATE_NOOP(
            "core", "The base address of a Twilio-compatible API, like https://api.twilio.com."
        )
    ),
)
SMS_ACCOUNT = _plain(
    "channels.sms_account",
    Words(64, required=False),
    "",
    Text(QT_TRANSLATE_NOOP("core", "SMS account")),
    Text(QT_TRANSLATE_NOOP("core", "The provider's account id (Twilio's Account SID).")),
)
SMS_SENDER = _plain(
    "channels.sms_sender",
    Words(32, required=False, rule=sms_sender_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "SMS sender")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The number messages come from (written as the clinic's numbers are, or in "
            "international form: +905001112233), a short code of 5 or 6 digits (12345), "
            "or a sender ID of up to 11 letters and digits.",
        )
    ),
    sms_sender_rule,
)
SMS_TOKEN = _secret(
    "channels.sms_token",
    Text(QT_TRANSLATE_NOOP("core", "SMS token")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The provider's auth token. Kept on this PC only (its keychain), never shown, "
            "synced or backed up: each PC that sends needs its own.",
        )
    ),
)
WHATSAPP_BASE_URL = _plain(
    "channels.whatsapp_base_url",
    Words(500, required=False, rule=url_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "WhatsApp API")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The Cloud API's base address with its version, like https://graph.facebook.com/v21.0.",
        )
    ),
)
WHATSAPP_ACCOUNT = _plain(
    "channels.whatsapp_account",
    Words(64, required=False, rule=whatsapp_id_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "WhatsApp phone number id")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The business number's id in Meta's Cloud API (WhatsApp Manager > API Setup, "
            "like 106540352242922): messages are sent from it, not from the number.",
        )
    ),
)
WHATSAPP_SENDER = _plain(
    "channels.whatsapp_sender",
    Words(32, required=False, rule=whatsapp_sender_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "WhatsApp number")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The business number itself, as patients see it (written as the clinic's "
            "numbers are, or +905001112233); for reference only: messages go from its id.",
        )
    ),
    whatsapp_sender_rule,
)
WHATSAPP_TOKEN = _secret(
    "channels.whatsapp_token",
    Text(QT_TRANSLATE_NOOP("core", "WhatsApp token")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The Cloud API's access token. Kept on this PC only (its keychain), never "
            "shown, synced or backed up: each PC that sends needs its own.",
        )
    ),
)


# Each channel's settings: saving any of them again resumes a channel whose provider
# refused the credentials (``halt``).
BY_CHANNEL: dict[str, frozenset[str]] = {
    "email": frozenset(
        s.key for s in (EMAIL_HOST, EMAIL_PORT, EMAIL_SECURITY, EMAIL_SENDER, EMAIL_USERNAME,
                        EMAIL_PASSWORD)
    ),
    "sms": frozenset(s.key for s in (SMS_BASE_URL, SMS_ACCOUNT, SMS_SENDER, SMS_TOKEN)),
    "whatsapp": frozenset(
        s.key for s in (WHATSAPP_BASE_URL, WHATSAPP_ACCOUNT, WHATSAPP_SENDER, WHATSAPP_TOKEN)
    ),
}  # fmt: skip

# What each channel sends from. One saved before its rule grew stricter (session 15: an
# SMS sender in national form, an e-mail sender that is no address; session 16: an SMS
# number no country has, a WhatsApp phone number ID that is the number itself) reads as
# empty; the channels then stop on it instead of going quiet (no e-mail or WhatsApp set
# up at all, an SMS with no From), with the value kept and shown (``refused_senders``).
# WhatsApp sends from the number's ID (Meta's ``/{phone-number-id}/messages``), never
# from the number (``WHATSAPP_SENDER``, for reference): a refused number stops nothing.
SENDERS: dict[str, Setting] = {
    "email": EMAIL_SENDER, "sms": SMS_SENDER, "whatsapp": WHATSAPP_ACCOUNT,
}  # fmt: skip
STOPPING = ("email", "sms", "whatsapp")


def refused_senders(session: Session, channels: Iterable[str] = STOPPING) -> dict[str, str]:
    """The channels (of ``channels``) whose saved sender its check refuses now, each with
    the sender as saved."""
    chosen = {SENDERS[c].key: SENDERS[c] for c in channels}
    kept = clinicstore.refused(session, chosen)
    return {c: str(kept[SENDERS[c].key][0]) for c in channels if SENDERS[c].key in kept}


# WhatsApp's approved templates per language are channel settings too (declared there).
from . import watemplates  # noqa: E402, F401
