"""What a message's reason code means, in words a person can act on: what happened and
what to do. The Reminders view, ``receptionist reminders list`` and ``dispatch``, and
the patient's communication log (a failed message's entry, :func:`logged`) show it
beside the code. Every code has a sentence: a code of its own (:data:`_SAID`), a
provider's numbered code by its family (``smtp_550``, ``twilio_21617``, ``meta_131051``,
``http_400``), a try that failed for now by what went wrong (:data:`_FOR_NOW`), and a
code this version does not know by its prefix (``permanent:``, ``transient:``,
``retry:``) or as itself (:data:`_UNLISTED`). The templates are marked for the "core"
translation context, as every core text is."""

from __future__ import annotations

import re
from collections.abc import Iterable

from receptionist.settings import registry
from receptionist.settings.kinds import Choice
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import halt
from .channels import NOT_PROVIDER, reached_none
from .compose import UNTIL_LATE, UNTIL_START
from .plan import RULE_OFF
from .settings import LATE_LIMIT, QUIET_MODE, QUIET_START

# Where the approved templates' names are set (after "Settings > Clinic"), as the page
# shows them: its Message channels section, WhatsApp's "WhatsApp templates, English" etc.
_TEMPLATE_SETTING = Text(QT_TRANSLATE_NOOP("core", "Message channels, WhatsApp templates"))
_SAID: dict[str, str] = {
    "permanent:template_missing": QT_TRANSLATE_NOOP(
        "core",
        "WhatsApp has no approved template of that name in the patient's language (Meta "
        "error 132001). Check the names in Settings > Clinic ({setting}) against WhatsApp "
        "Manager, then resend.",
    ),
    "permanent:template_params": QT_TRANSLATE_NOOP(
        "core",
        "The WhatsApp template does not take six variables (Meta error 132000): first "
        "name, date, time, provider, clinic, address. Fix the template in WhatsApp "
        "Manager, then resend.",
    ),
    "permanent:template_format": QT_TRANSLATE_NOOP(
        "core",
        "The WhatsApp template's variables are not plain text (Meta error 132012). Fix "
        "the template in WhatsApp Manager, then resend.",
    ),
    "permanent:template_paused": QT_TRANSLATE_NOOP(
        "core",
        "Meta paused the WhatsApp template for its quality (error 132015). Look at it in "
        "WhatsApp Manager, or name another in Settings > Clinic ({setting}), then resend.",
    ),
    "permanent:template_disabled": QT_TRANSLATE_NOOP(
        "core",
        "Meta disabled the WhatsApp template (error 132016). Name another in Settings > "
        "Clinic ({setting}), then resend.",
    ),
    "permanent:outside_window": QT_TRANSLATE_NOOP(
        "core",
        "WhatsApp takes free text only within 24 hours of the patient's last message "
        "(Meta error 131047); name an approved template in Settings > Clinic ({setting}).",
    ),
    "no_whatsapp_template": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: the patient can only be reached by WhatsApp, and no approved template "
        "is named for this message in their language (Settings > Clinic, {setting}). Name "
        "one there, or record the patient's consent to another channel, then resend.",
    ),
    "restricted": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: the processing of the patient's data is restricted. The patient's "
        "reminders still ahead are queued again once the restriction is lifted in the "
        "patient's record.",
    ),
    "role_lost": QT_TRANSLATE_NOOP(
        "core",
        "Not sent from this PC: it stopped being the reminder station (or its stand-by) "
        "before the message was due; the PC that sends now plans its own. If this PC "
        "sends again one day, it plans afresh. Nothing to do here.",
    ),
    "other_station": QT_TRANSLATE_NOOP(
        "core",
        "Not sent from this PC: another PC held the reminders' lease when it was due (or "
        "when the booking or change was made), and may have sent it. Resend it if the "
        "patient's communication log shows it never went.",
    ),
    "awaiting_push": QT_TRANSLATE_NOOP(
        "core",
        "Held back: this PC took the sending over while the cloud had not yet answered "
        "its sync of this booking, so the PC that sent before may have seen the booking "
        "and sent this message. It goes once the cloud answers that it had not; if the "
        "appointment begins first, it is not sent: check the patient's communication log "
        "and the other PC's.",
    ),
    # An "awaiting_push" message this PC had tried in vain, its appointment begun with
    # no answer (``held``): the previous sender may have sent it; nobody here can tell.
    "push_unanswered": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: this PC had tried to send it in vain (the provider could not be reached, "
        'or said "later"), then took the sending over while the cloud had not yet answered '
        "its sync of this booking, and the appointment began before it answered. The PC "
        "that sent before may have seen the booking and sent this message. Check the "
        "patient's communication log and the other PC's Reminders view before you resend: "
        "it may go twice.",
    ),
    "restored": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: it was due before this PC's file was restored from a backup, and may "
        "have gone before the restore. Resend it if the patient did not get it.",
    ),
    "credentials_refused": QT_TRANSLATE_NOOP(
        "core",
        "Waiting: the provider refused the clinic's credentials; it goes once they are "
        "re-entered (receptionist channels set).",
    ),
    "permanent:refused_credentials": QT_TRANSLATE_NOOP(
        "core",
        "The provider refused the clinic's credentials: set the token or password again "
        "(receptionist channels set), then resend.",
    ),
    "awaiting_lookup": QT_TRANSLATE_NOOP(
        "core",
        "Sending: the provider's answer never came, or was a server error (HTTP 5xx), "
        "which does not say whether it took the message. Ten minutes on, the provider is "
        "asked whether it took the message: if so it counts as sent; if it cannot tell, "
        "or does not list it, it waits for a person. Nothing to do meanwhile.",
    ),
    # "unknown": the message may have arrived; only a person can find out.
    "no_answer": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: the message was handed to the provider and its answer never came (the "
        "connection dropped or timed out, or a server error said nothing of the message), "
        "and the provider cannot be asked, or could not say, whether it arrived. Check the "
        "provider's own log (the Twilio Console, WhatsApp Manager, the mail server's log) "
        "or ask the patient before you resend: it may go twice.",
    ),
    "server_error": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: the provider answered the sending with a server error (HTTP 5xx), which "
        "does not say whether it took the message, and it cannot be asked (WhatsApp has "
        "no way to look a message up), so it was not sent again by itself. Check "
        "WhatsApp Manager or ask the patient before you resend: it may go twice.",
    ),
    "interrupted": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: the sending was cut short (the PC or the app stopped in the middle of "
        "it), and the provider could not say whether the message arrived. Check the "
        "provider's own log or ask the patient before you resend: it may go twice.",
    ),
    "not_listed": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: the sending was cut short or its answer never came (or was a server "
        "error), and ten minutes on "
        "the provider's message list did not show it; that list can leave out a message "
        "the provider took, so it was not sent again by itself. Check the Twilio Console "
        "(Monitor > Messaging logs, the patient's number) or ask the patient before you "
        "resend: it may go twice.",
    ),
    RULE_OFF: QT_TRANSLATE_NOOP(
        "core",
        "Withdrawn: the reminder rules no longer ask for this message (its reminder time "
        "was removed, or this kind of message switched off, for the clinic or the "
        "appointment's service: Settings > Clinic). If the rules ask for it again, it is "
        "planned again.",
    ),
    "taken_over": QT_TRANSLATE_NOOP(
        "core",
        'Unknown: this PC took the sending over from the old reminder station ("take '
        "over now\"), and the message was that PC's to send after it was last heard from "
        "and before the takeover; it may have gone before that PC went off, and nothing it "
        "synced says so. Look in the patient's communication log or ask the patient, then "
        "resend it if it never arrived.",
    ),
    "sender_error": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: the app failed while sending (its log says where), and the message may "
        "have reached the provider. Check the provider's own log or ask the patient "
        "before you resend: it may go twice.",
    ),
    # Queued, sent.
    "resend": QT_TRANSLATE_NOOP(
        "core",
        "Queued again by Resend: it goes at the next round, with every check of sending "
        "(consent, the appointment, quiet hours). Nothing to do.",
    ),
    "recovered": QT_TRANSLATE_NOOP(
        "core",
        "Sent: the sending was cut short, and the provider's list showed afterwards that "
        "it took the message. Nothing to do.",
    ),
    # Skipped: the message did not go, and will not by itself.
    "no_consent": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: the patient has not consented to reminders on any channel. If the "
        "patient wants them, record the consent (the patient's window, Consents), then "
        "resend.",
    ),
    "no_address": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: the patient consented, but the record has no phone number or e-mail "
        "address for those channels. Add it in the patient's record, then resend.",
    ),
    "no_channel": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: none of the channels the patient consented to and has an address for "
        "is set up at the clinic. Set one up (Settings > Clinic > Message channels), or "
        "record the patient's consent to one that is, then resend.",
    ),
    "late": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: it was due longer ago than the late limit ({late_limit}) "
        "while nothing sent (the reminder station was off, or sending stopped), and a late "
        "message is skipped rather than sent in a burst. Resend it if it still helps the "
        "patient.",
    ),
    "quiet_hours": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: it fell in the quiet hours ({quiet_hours}), and either nothing was left "
        "before the appointment once they ended or the clinic does not send such messages "
        "({quiet_mode}: {skip}). Resend it if it still helps the patient.",
    ),
    "started": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: the appointment had already begun when the message was due. Nothing to do.",
    ),
    "patient_gone": QT_TRANSLATE_NOOP(
        "core",
        "Not sent: the patient's record was erased or removed before the message was "
        "due. Nothing to do.",
    ),
    # Withdrawn: the appointment changed; nothing of it is to be said any more.
    "moved": QT_TRANSLATE_NOOP(
        "core",
        "Withdrawn: the appointment was moved, and the messages for its new time were "
        "planned afresh. Nothing to do.",
    ),
    "cancelled": QT_TRANSLATE_NOOP(
        "core",
        "Withdrawn: the appointment was cancelled (the cancellation message, if the clinic "
        "sends one, tells the patient). Nothing to do.",
    ),
    "appointment_gone": QT_TRANSLATE_NOOP(
        "core",
        "Withdrawn: the appointment was deleted, so nothing is left to tell the patient "
        "about it. Nothing to do.",
    ),
    "told": QT_TRANSLATE_NOOP(
        "core",
        "Withdrawn: an earlier message (logged on this PC or another) already told the "
        "patient this time. Nothing to do.",
    ),
    # Failed for good: the provider refused this message (the patient's address, mostly).
    "permanent:invalid_number": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the SMS provider says the patient's phone number is not a valid number "
        "(Twilio error 21211). Correct the phone number in the patient's record, then "
        "resend.",
    ),
    "permanent:opted_out": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the patient's number has opted out of the clinic's SMS (someone replied "
        "STOP; Twilio error 21610), and the provider blocks every message to it. Only "
        "the patient can undo it, by texting START to the clinic's number; ask the "
        "patient, or record consent to another channel, then resend.",
    ),
    "permanent:unroutable": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the SMS provider cannot deliver to this number (Twilio error 21612: its "
        "carrier or country is out of reach from the clinic's number). Check the number "
        "with the patient, or record consent to another channel, then resend.",
    ),
    "permanent:not_mobile": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the patient's number is a landline, which cannot receive SMS (Twilio "
        "error 21614). Enter the patient's mobile number in the record, then resend.",
    ),
    "permanent:region_not_allowed": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the clinic's SMS account may not send to this number's country (Twilio "
        "error 21408). Allow that country in the Twilio Console (Messaging > Settings > "
        "Geo permissions), or check the number's country code, then resend.",
    ),
    "permanent:recipient_refused": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the e-mail server refused the patient's address (no such mailbox, or it "
        "takes no mail). Check the e-mail address in the patient's record, then resend.",
    ),
    "permanent:smtputf8_not_offered": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the patient's e-mail address has letters beyond plain ASCII, and the "
        "clinic's e-mail server does not take such addresses (no SMTPUTF8). Check the "
        "address with the patient, or ask the server's administrator, then resend.",
    ),
    "permanent:undeliverable": QT_TRANSLATE_NOOP(
        "core",
        "Failed: WhatsApp could not deliver to this number (Meta error 131026: no "
        "WhatsApp account on it, an old WhatsApp, or WhatsApp's terms not accepted). "
        "Check the number with the patient, or record consent to another channel, then "
        "resend.",
    ),
    "permanent:not_allowed_recipient": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the clinic's WhatsApp account is in test mode and this number is not "
        "on its list of allowed recipients (Meta error 131030). Add the number in "
        "WhatsApp Manager, or take the account out of test mode, then resend.",
    ),
    "permanent:not_registered": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the clinic's WhatsApp number is not registered with the Cloud API "
        "(Meta error 133010). Register it in WhatsApp Manager, then resend.",
    ),
    "permanent:template_too_long": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the WhatsApp template filled in with this message's values is too long "
        "(Meta error 132005). Shorten the template in WhatsApp Manager, then resend.",
    ),
    "permanent:template_policy": QT_TRANSLATE_NOOP(
        "core",
        "Failed: Meta refused the WhatsApp template's content under its policy (error "
        "132007). Change the template in WhatsApp Manager, or name another in Settings > "
        "Clinic ({setting}), then resend.",
    ),
}

# A provider's numbered code with no name of its own (``permanent:<family>_<number>``):
# what the number is, and where to look it up.
_FAMILIES: dict[str, str] = {
    "smtp": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the e-mail server refused the message for good (SMTP {code}). Check the "
        "patient's e-mail address in the record, and the server's log for its reason, "
        "then resend.",
    ),
    "twilio": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the SMS provider refused the message (Twilio error {code}). Look the "
        "code up in Twilio's error list (twilio.com/docs/api/errors), fix what it names "
        "(often the patient's number), then resend.",
    ),
    "meta": QT_TRANSLATE_NOOP(
        "core",
        "Failed: WhatsApp refused the message (Meta error {code}). Look the code up in "
        "Meta's WhatsApp Cloud API error codes, fix what it names (often the patient's "
        "number or the template), then resend.",
    ),
    "http": QT_TRANSLATE_NOOP(
        "core",
        "Failed: the provider refused the message (HTTP {code}) without saying why. Look "
        "at the Delivery log and the provider's own log, fix what they name, then resend.",
    ),
}
_SAID_AS = {"smtp": "SMTP", "twilio": "Twilio error", "meta": "Meta error", "http": "HTTP"}
_FAMILY = re.compile(r"(smtp|twilio|meta|http)_(\d+)")
_PERMANENT = QT_TRANSLATE_NOOP(
    "core",
    "Failed: the provider refused the message for good ({code}). Look at the Delivery "
    "log and the provider's own log for why, fix it, then resend.",
)

# A try that failed for now (nothing was sent): what went wrong, by the senders' code;
# waiting to try again (``retry:``), or failed after the last try (``transient:``).
_FOR_NOW: dict[str, tuple[str, str]] = {
    "unreachable": (
        QT_TRANSLATE_NOOP(
            "core",
            "the provider could not be reached (no network on this PC, or the provider down)",
        ),
        QT_TRANSLATE_NOOP("core", "Check this PC's internet connection, then resend."),
    ),
    "connection_lost": (
        QT_TRANSLATE_NOOP(
            "core", "the connection to the provider dropped before the message was handed over"
        ),
        QT_TRANSLATE_NOOP("core", "Check this PC's internet connection, then resend."),
    ),
    "proxy_refused": (
        QT_TRANSLATE_NOOP(
            "core", "a proxy between this PC and the provider refused to open the connection"
        ),
        QT_TRANSLATE_NOOP(
            "core",
            "Check this PC's proxy settings with whoever runs the clinic's network, then resend.",
        ),
    ),
    "rate_limited": (
        QT_TRANSLATE_NOOP("core", "the provider asked for fewer messages at a time (a rate limit)"),
        QT_TRANSLATE_NOOP(
            "core",
            "Resend it in a few minutes; if it keeps happening, ask the provider to raise "
            "the clinic's limit.",
        ),
    ),
}
_FOR_NOW_SMTP = (
    QT_TRANSLATE_NOOP("core", 'the e-mail server answered "try again later" (SMTP {code})'),
    QT_TRANSLATE_NOOP(
        "core",
        "Resend it later; if it keeps happening, ask the e-mail server's administrator.",
    ),
)
_FOR_NOW_OTHER = (
    QT_TRANSLATE_NOOP("core", "the provider answered with a temporary error ({code})"),
    QT_TRANSLATE_NOOP(
        "core",
        "Resend it later; if it keeps happening, check the provider's status page and the "
        "Delivery log.",
    ),
)
_GAVE_UP = QT_TRANSLATE_NOOP(
    "core",
    "Failed after its last try: {what}. Nothing was sent. {fix}",
)
# A code this version does not know (written by a newer one, say).
_UNLISTED = QT_TRANSLATE_NOOP(
    "core",
    "The message's state says {code}, a reason this version of the app does not know. "
    "Look at the Delivery log for the provider's answer, and ask whoever looks after the "
    "app before you resend.",
)


# A 401/407 that was not the provider's error body (``sync/channels/web.py``), as a
# message waiting to try again ("retry:...") or failed after its last try.
_NOT_PROVIDER = QT_TRANSLATE_NOOP(
    "core",
    "Something that is not the provider answered (HTTP {status}: a proxy, a captive "
    "portal or a sign-in page between this PC and the provider), so the credentials "
    "were not refused; the message is tried again later. If it lasts, check this PC's "
    "network or proxy.",
)


# A message waiting on a channel whose set-up fails every message (``halt.SETUP``).
_WAITING_SETUP = QT_TRANSLATE_NOOP(
    "core",
    "Waiting: nothing was sent, because {what} It goes once that is fixed and saved.",
)


# A message tried in vain (a transient failure: ``dispatch._settle``): waiting to be
# tried again (``retry:<code>``), or given up once too late (``compose.given_up``).
_RETRYING = QT_TRANSLATE_NOOP(
    "core",
    "Waiting to be tried again: the last try {what}; nothing was sent. It is tried again "
    "every few minutes (every 15 at most) while it is still worth sending: until its "
    "late limit after its time, or the appointment's start. {fix}",
)
# What to do if the tries go on in vain, by what the last one met (:func:`_kind`).
_FIX: dict[str, str] = {
    "network": QT_TRANSLATE_NOOP("core", "If this lasts, check this PC's network connection."),
    "server": QT_TRANSLATE_NOOP(
        "core", "If this lasts for hours, ask whoever runs the e-mail server."
    ),
    "provider": QT_TRANSLATE_NOOP(
        "core",
        "Nothing needs fixing on this PC: the provider's hold lifts by itself; if it "
        "lasts, look at the account's limits with the provider.",
    ),
}
_GAVE_UP_AT: dict[str, str] = {
    UNTIL_START: QT_TRANSLATE_NOOP(
        "core",
        "Failed: the provider could not be reached until the appointment started (the "
        "last try {what}); nothing was sent.",
    ),
    UNTIL_LATE: QT_TRANSLATE_NOOP(
        "core",
        "Failed: the provider could not be reached within the late limit after the "
        "message's time (Settings > Clinic, Late limit; the last try {what}); nothing was "
        "sent. Resend it if it is still of use.",
    ),
}
# What the last try met, by the senders' transient codes.
_TRIED: dict[str, str] = {
    "unreachable": QT_TRANSLATE_NOOP(
        "core",
        "could not reach the provider (no connection: this PC's network, or the provider, "
        "was down)",
    ),
    "connection_lost": QT_TRANSLATE_NOOP(
        "core", "could not reach the provider: the connection dropped before the message went"
    ),
    "proxy_refused": QT_TRANSLATE_NOOP(
        "core", "could not reach the provider: a proxy on the way refused to connect to it"
    ),
    "rate_limited": QT_TRANSLATE_NOOP(
        "core", "was turned away for now by the provider (too many messages at once)"
    ),
    # Twilio's limits that lift later (``sync/channels/twilio.FOR_NOW``) and Meta's.
    "twilio_21611": QT_TRANSLATE_NOOP(
        "core",
        "was turned away for now by the SMS provider: the sender number's queue of "
        "messages is full (Twilio error 21611)",
    ),
    "twilio_14107": QT_TRANSLATE_NOOP(
        "core",
        "was turned away for now by the SMS provider: too many messages to this number "
        "in a short time (Twilio error 14107)",
    ),
    "twilio_63038": QT_TRANSLATE_NOOP(
        "core",
        "was turned away by the SMS provider: the account reached its daily message "
        "limit (Twilio error 63038)",
    ),
    "spam_rate_limited": QT_TRANSLATE_NOOP(
        "core",
        "was turned away for now by Meta: the WhatsApp number's spam rate limit (Meta "
        "error 131048), which lifts as the number's quality recovers",
    ),
    "maintenance": QT_TRANSLATE_NOOP(
        "core",
        "was turned away for now by Meta: the WhatsApp Business account is in "
        "maintenance (Meta error 131057)",
    ),
}
_TRIED_SMTP = QT_TRANSLATE_NOOP(
    "core",
    "was deferred by the e-mail server (SMTP {status}: greylisting, or a busy server), "
    "which asks to try later",
)
_TRIED_PAGE = QT_TRANSLATE_NOOP(
    "core",
    "could not reach the provider: something else answered (HTTP {status}: a proxy or a "
    "sign-in page on this PC's network)",
)
_TRIED_OTHER = QT_TRANSLATE_NOOP("core", "met a temporary failure (code {code})")

# What a channel whose messages wait to be tried again waits for, by what the last try
# met (:func:`_kind`): the network, the e-mail server's "later", the provider. The status
# bar's label says it (:func:`waiting_for`), and the status's words begin with it.
_WAITS_FOR: dict[str, str] = {
    "network": QT_TRANSLATE_NOOP("core", "waiting for the network"),
    "server": QT_TRANSLATE_NOOP("core", "waiting for the e-mail server"),
    "provider": QT_TRANSLATE_NOOP("core", "held back by the provider"),
}
_KINDS = tuple(_WAITS_FOR)  # the order the label names them in
# The status's words for such a channel (``{waits}``: :data:`_WAITS_FOR`'s).
_WAITING: dict[str, str] = {
    "network": QT_TRANSLATE_NOOP(
        "core",
        "{channel}: {waits}: the last try {what}. The queued messages are tried again "
        "every few minutes, and as soon as the network returns, until it is too late to "
        "send them; nothing is lost meanwhile. If it lasts, check this PC's network "
        "connection.",
    ),
    "server": QT_TRANSLATE_NOOP(
        "core",
        "{channel}: {waits}: the last try {what}. The queued messages are tried again "
        "every few minutes until it is too late to send them. If it lasts for hours, ask "
        "whoever runs the e-mail server.",
    ),
    "provider": QT_TRANSLATE_NOOP(
        "core",
        "{channel}: {waits}: the last try {what}. The queued messages are tried again "
        "every few minutes (or when the provider said) until it is too late to send them. "
        "Nothing needs fixing on this PC; if it lasts, look at the account's limits with "
        "the provider.",
    ),
}


def _kind(code: str) -> str:
    """What a try that failed for now with ``code`` met: "network" (it never reached
    the provider), "server" (an e-mail server's 4xx: later) or "provider" (a rate
    limit, a limit of the account, the provider busy)."""
    if reached_none(code):
        return "network"
    return "server" if code.startswith("smtp_") else "provider"


def tried(code: str) -> Text:
    """What a try that failed for now met (a sender's transient ``code``), in words."""
    said = _TRIED.get(code)
    if said is not None:
        return Text(said)
    if code.startswith("smtp_"):
        return Text(_TRIED_SMTP, status=code.removeprefix("smtp_"))
    if code.startswith(NOT_PROVIDER):
        return Text(_TRIED_PAGE, status=code.removeprefix(NOT_PROVIDER))
    return Text(_TRIED_OTHER, code=code or "-")


def waiting(channel: str, code: str) -> Text:
    """The status's words for ``channel``, whose messages wait to be tried again
    (``code``: the last try's)."""
    kind = _kind(code)
    return Text(_WAITING[kind], channel=channel, waits=Text(_WAITS_FOR[kind]), what=tried(code))


def waiting_for(found: Iterable[tuple[str, str]]) -> list[tuple[Text, tuple[str, ...]]]:
    """What the channels whose messages wait to be tried again wait for, in a few words
    (the status bar's label), each with the channels that wait so: ``found`` holds each
    channel with its last try's code; the network first, then the e-mail server, then
    the provider."""
    grouped: dict[str, list[str]] = {}
    for channel, code in found:
        grouped.setdefault(_kind(code), []).append(channel)
    return [(Text(_WAITS_FOR[k]), tuple(grouped[k])) for k in _KINDS if k in grouped]


def _named(said: str) -> dict[str, object]:
    """The settings a sentence of :data:`_SAID` points at, named as the Settings dialog
    shows them (``registry.where``), never by their keys."""
    named: dict[str, object] = {
        "setting": _TEMPLATE_SETTING,
        "late_limit": registry.where(LATE_LIMIT),
        "quiet_hours": registry.section(QUIET_START),
        "quiet_mode": QUIET_MODE.label,
        "skip": QUIET_MODE.kind.label_of("skip") if isinstance(QUIET_MODE.kind, Choice) else "",
    }
    return {name: value for name, value in named.items() if "{" + name + "}" in said}


def explain(reason: str, channel: str = "", sender: str = "") -> Text | None:
    """The sentence of ``reason``: what happened and what to do (None: no reason, "").
    ``channel``: the message's; ``sender``: that channel's sender as saved, where
    today's check refuses it."""
    if not reason:
        return None
    said = _SAID.get(reason)
    if said is not None:
        return Text(said, **_named(said))
    if reason.startswith(halt.SETUP_PREFIX):  # a stopped channel's
        what = halt.what_to_fix(reason, channel, sender)
        if what is not None:
            return Text(_WAITING_SETUP, what=what)
    word, _, last = reason.partition(":")
    if word in _GAVE_UP_AT:  # retried in vain until too late (``compose.given_up``)
        return Text(_GAVE_UP_AT[word], what=tried(last))
    status, _, code = reason.rpartition(":")
    if code.startswith(NOT_PROVIDER):
        return Text(_NOT_PROVIDER, status=code.removeprefix(NOT_PROVIDER))
    if status == "retry":
        return Text(_RETRYING, what=tried(code), fix=Text(_FIX[_kind(code)]))
    if status == "transient":  # failed after its last try (before session 16)
        what, fix = _for_now(code)
        return Text(_GAVE_UP, what=what, fix=fix)
    family = _FAMILY.fullmatch(code)
    if status == "permanent" and family is not None:
        return Text(_FAMILIES[family.group(1)], code=family.group(2))
    if status == "permanent":
        return Text(_PERMANENT, code=code)
    return Text(_UNLISTED, code=reason)


def _for_now(code: str) -> tuple[Text, Text]:
    """What went wrong with a try that failed for now, and what to do if it lasts."""
    named = _FOR_NOW.get(code)
    if named is not None:
        return Text(named[0]), Text(named[1])
    smtp = re.fullmatch(r"smtp_(\d+)", code)
    if smtp is not None:
        return Text(_FOR_NOW_SMTP[0], code=smtp.group(1)), Text(_FOR_NOW_SMTP[1])
    family = _FAMILY.fullmatch(code)
    shown = f"{_SAID_AS[family.group(1)]} {family.group(2)}" if family else code
    return Text(_FOR_NOW_OTHER[0], code=shown), Text(_FOR_NOW_OTHER[1])


# A failed message's communication-log entry (``dispatch.FAILED``): "... (status:
# failed; <reason>)." The entry is the dispatcher's (logged by no person).
_LOGGED_FAILURE = re.compile(r"\(status: failed; ([A-Za-z0-9_:]+)\)")
_CODE_SAID = re.compile(r" ?\(status: failed; [A-Za-z0-9_:]+\)")


def without_code(summary: str) -> str:
    """A failed message's entry as logged before session 17 (its code at the end,
    "... (status: failed; <code>)."), said without the code (kept beside it: the
    entry's ``reason``); any other summary as it is."""
    return _CODE_SAID.sub("", summary)


def logged_code(summary: str) -> str:
    """The code a failed message's entry logged before session 17 names ("": none)."""
    found = _LOGGED_FAILURE.search(summary)
    return found.group(1) if found is not None else ""


def logged(summary: str, channel: str = "") -> Text | None:
    """The sentence of the reason a failed message's log entry names, or None."""
    found = _LOGGED_FAILURE.search(summary)
    return explain(found.group(1), channel) if found is not None else None
