"""Google Calendar settings, declared in the registry: what an event says of the
patient, whether a provider's own event titles are kept, which PC runs Google sync
(the Google station), and the connected account's credentials (a secret: the
keychain, or the encrypted file where there is none)."""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .clinic import CONFIGURE
from .kinds import Choice, Flag, Words
from .registry import Setting, declare

SUMMARY_CHOICES = ("service", "initials", "full_name")

SUMMARY = declare(
    Setting(
        "google.summary",
        "clinic",
        Choice(SUMMARY_CHOICES),
        "service",
        Text(QT_TRANSLATE_NOOP("core", "Google event title")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "What a provider's Google Calendar shows of an appointment: service "
                '("Appointment – Check-up", no patient data), initials, or full_name. '
                "Each patient's name or initials sent is kept in the disclosure register.",
            )
        ),
        CONFIGURE,
    )
)
BLOCK_TITLES = declare(
    Setting(
        "google.block_titles",
        "clinic",
        Flag(),
        False,
        Text(QT_TRANSLATE_NOOP("core", "Keep Google event titles")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Whether the blocked time made from a provider's own Google events keeps "
                "their titles; off, it says only that it comes from Google Calendar.",
            )
        ),
        CONFIGURE,
    )
)
CREDENTIALS = declare(
    Setting(
        "google.credentials",
        "secret",
        Words(20000),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Google account")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The connected Google account's authorisation (an authorized-user JSON), "
                "set by `google connect`; kept in the keychain or the encrypted file.",
            )
        ),
        "keys.manage",
    )
)
STATION = declare(
    Setting(
        "google.station",
        "clinic",
        Words(4, required=False),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Google station")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The code of the one PC that runs Google sync (A, B, ... as the device list "
                "shows them). Empty: this PC, when the clinic does not sync with a cloud; with "
                "a cloud, no PC runs it until one is named.",
            )
        ),
        CONFIGURE,
    )
)
