"""What a message's reason code means, in words a person can act on: the Reminders
view and ``receptionist reminders list`` show it beside the code. Codes with no
sentence here are shown as they are (the operator's guide lists them)."""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import halt
from .compose import RETRY, UNTIL_LATE, UNTIL_START
from .plan import RULE_OFF

_TEMPLATE_SETTING = "channels.whatsapp_templates_en / _tr / _ar"
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
        "is named for this message in their language (Settings > Clinic, {setting}).",
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
        "sends again one day, it plans afresh.",
    ),
    "other_station": QT_TRANSLATE_NOOP(
        "core",
        "Not sent from this PC: another PC held the reminders' lease when it was due (or "
        "when the booking or change was made), and may have sent it. Resend it if the "
        "patient's communication log shows it never went.",
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
        "or does not list it, it waits for a person.",
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
    "sender_error": QT_TRANSLATE_NOOP(
        "core",
        "Unknown: the app failed while sending (its log says where), and the message may "
        "have reached the provider. Check the provider's own log or ask the patient "
        "before you resend: it may go twice.",
    ),
}


# A 401/407 that was not the provider's error body (``sync/channels/web.py``), as a
# message waiting to try again ("retry:...") or failed after its last try.
NOT_PROVIDER = "not_provider_"
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
    "late limit after its time, or the appointment's start. If this lasts, check this "
    "PC's network connection.",
)
_GAVE_UP: dict[str, str] = {
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
_WAITING = QT_TRANSLATE_NOOP(
    "core",
    "{channel}: waiting for the network: the last try {what}. The queued messages are "
    "tried again every few minutes until it is too late to send them; nothing is lost "
    "meanwhile. If it lasts, check this PC's network connection.",
)


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
    return Text(_WAITING, channel=channel, what=tried(code))


def explain(reason: str, channel: str = "", sender: str = "") -> Text | None:
    """The sentence of ``reason``, or None when the code says enough (``channel``: the
    message's; ``sender``: that channel's sender as saved, where today's check refuses it)."""
    said = _SAID.get(reason)
    code = reason.rpartition(":")[2]
    word, _, last = reason.partition(":")
    if word in _GAVE_UP:
        return Text(_GAVE_UP[word], what=tried(last))
    if reason.startswith(RETRY) and not code.startswith(NOT_PROVIDER):
        return Text(_RETRYING, what=tried(last))
    if said is None and reason.startswith(halt.SETUP_PREFIX):  # a stopped channel's
        what = halt.what_to_fix(reason, channel, sender)
        return Text(_WAITING_SETUP, what=what) if what is not None else None
    if said is None and code.startswith(NOT_PROVIDER):
        return Text(_NOT_PROVIDER, status=code.removeprefix(NOT_PROVIDER))
    if said is None:
        return None
    return Text(said, setting=_TEMPLATE_SETTING) if "{setting}" in said else Text(said)
