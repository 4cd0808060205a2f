"""Google Calendar settings, declared in the registry: what an event says of the
patient, whether a provider's own event titles are kept, which PC runs Google sync
(the Google station), the station's state shared with the other PCs (kept by the app
itself), and the connected account's credentials and address (secrets: the keychain,
or the encrypted file where there is none)."""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .clinic import CONFIGURE
from .kinds import Choice, Flag, Kind, Words
from .registry import ANYONE, Setting, declare

SUMMARY_CHOICES = ("service", "initials", "full_name")

SUMMARY = declare(
    Setting(
        "google.summary",
        "clinic",
        Choice(
            SUMMARY_CHOICES,
            (
                Text(QT_TRANSLATE_NOOP("core", "Service only")),
                Text(QT_TRANSLATE_NOOP("core", "Patient's initials")),
                Text(QT_TRANSLATE_NOOP("core", "Patient's full name")),
            ),
        ),
        "service",
        Text(QT_TRANSLATE_NOOP("core", "Google event title")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "What a provider's Google Calendar shows of an appointment: the service "
                '("Appointment – Check-up", no patient data), the patient\'s initials, or '
                "the full name. Each patient's name or initials sent is kept in the "
                "disclosure register.",
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
ACCOUNT = declare(
    Setting(
        "google.account",
        "secret",
        Words(320),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Google account's address")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The address of the account last connected here, kept after a disconnect so "
                "that connecting a different account lets go of the old one's calendars.",
            )
        ),
        "keys.manage",
        managed=True,
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


# What the Google station shares: how its last round went, never patient data, the
# account or its tokens.
SHARED_STATUSES = ("never", "connected", "ok", "needs_reconnect", "quota", "offline", "error")
SHARED_COUNTS = ("created", "updated", "deleted", "blocked", "conflicts", "errors")
SHARED_KEYS = frozenset({"station", "connected", "status", "at", "counts"})
NOT_SHARED_STATE = QT_TRANSLATE_NOOP(
    "core", "{label} is not the Google station's state as Receptionist writes it."
)


@dataclass(frozen=True)
class StationState(Kind):
    """The Google station's state as the other PCs read it: ``{}`` before the station
    shared any, else ``{"station": "B", "connected": true, "status": "ok", "at":
    "2026-12-07T10:42:00+00:00" or null, "counts": {"created": 3, ...}}``."""

    name = "json"

    def check(self, value: object, key: str, label: str) -> object:
        if value == {}:
            return {}
        if not (isinstance(value, dict) and set(value) == SHARED_KEYS and _fits(value)):
            raise ValidationError(key, Text(NOT_SHARED_STATE, label=label))
        return value


def _fits(value: dict[str, object]) -> bool:
    counts = value["counts"]
    return (
        isinstance(value["station"], str)
        and 0 < len(value["station"]) <= 4
        and isinstance(value["connected"], bool)
        and value["status"] in SHARED_STATUSES
        and (value["at"] is None or (isinstance(value["at"], str) and len(value["at"]) <= 40))
        and isinstance(counts, dict)
        and set(counts) <= set(SHARED_COUNTS)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts.values())
    )


SHARED = declare(
    Setting(
        "google.shared",
        "clinic",
        StationState(),
        {},
        Text(QT_TRANSLATE_NOOP("core", "Google station's state")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "How Google sync stands on the Google station (its last round, the counts, "
                "needs reconnect or paused), written by the station for the other PCs to "
                "show; no patient data and no tokens.",
            )
        ),
        ANYONE,  # the station's round writes it, whoever is signed in there
        managed=True,
    )
)
