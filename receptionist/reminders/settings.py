"""The reminder rules, declared in the settings registry (clinic scope, one row per key).

Offsets are written "24h,2h" (``m``, ``h`` or ``d``); quiet hours as two wall times in
the clinic's zone ("21:00" to "08:00", both empty for none). A service may override the
offsets and the on/off choices in ``reminders.service_rules``: a JSON object keyed by
the service's id, e.g. ``{"<id>": {"offsets": "48h", "confirmation": false}}``. Written,
a key may name the service by its name or short id, and is stored as its id; a key
naming no service is refused (``servicekeys``). People set them per service with
``reminders rules set`` or in Settings > Services (``servicerules``), not as JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from receptionist.errors import ValidationError
from receptionist.settings.clinic import CONFIGURE
from receptionist.settings.kinds import Choice, Flag, Kind, Ordered, Whole, Words, as_object
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import servicekeys

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_OFFSET = re.compile(r"^(\d{1,4})([mhd])$")
_UNITS = {"m": 1, "h": 60, "d": 1440}
MAX_OFFSET_MINUTES = 30 * 1440
MAX_OFFSETS = 4
CHANNELS = ("sms", "whatsapp", "email")
# Each channel as people name it (the communication log, a message's entry).
CHANNEL_NAMES = {
    "sms": QT_TRANSLATE_NOOP("core", "SMS"),
    "whatsapp": QT_TRANSLATE_NOOP("core", "WhatsApp"),
    "email": QT_TRANSLATE_NOOP("core", "E-mail"),
}
FLAGS = ("confirmation", "reschedule", "cancellation")


def offset_minutes(word: str) -> int | None:
    """Minutes of one offset word ("24h" -> 1440), or None if it is not one."""
    found = _OFFSET.match(word.strip().lower())
    if not found:
        return None
    minutes = int(found.group(1)) * _UNITS[found.group(2)]
    return minutes if 0 < minutes <= MAX_OFFSET_MINUTES else None


@lru_cache(maxsize=256)
def rule_key(rule: str) -> str:
    """A planned message's rule as the rules know it (the one place): a reminder's
    offset by its length, so "24h" and "1d" (or "2h" and "120m") are one rule, whichever
    spelling a row was planned under; any other kind ("confirmation") by its name. The
    dedupe of planning and the check that the rules still ask for a message
    (:meth:`Rules.asks`, ``plan._one``) compare these; rows and settings keep the
    spelling the clinic wrote."""
    minutes = offset_minutes(rule)
    return rule if minutes is None else f"{minutes}m"


def _bad_offsets(key: str, label: str) -> ValidationError:
    return ValidationError(
        key,
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{label} must be up to {most} times before the appointment, like 24h,2h "
                "(m, h or d; at most 30 days), or empty for none.",
            ),
            label=label,
            most=MAX_OFFSETS,
        ),
    )


def offsets_rule(text: str, key: str, label: str) -> str:
    """ "24h, 2h" -> "24h,2h", longest first; refused naming ``key``. Two spellings of
    one offset ("24h,1d") are one rule (:func:`rule_key`): the first written is kept."""
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    minutes = [offset_minutes(w) for w in words]
    if len(words) > MAX_OFFSETS or any(m is None for m in minutes):
        raise _bad_offsets(key, label)
    kept: dict[int, str] = {}
    for m, w in zip(minutes, words, strict=True):
        if m:
            kept.setdefault(m, w)
    return ",".join(kept[m] for m in sorted(kept, reverse=True))


def clock_rule(text: str, key: str, label: str) -> str:
    """A wall time "HH:MM" (or empty)."""
    if text and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP("core", "{label} is a time like 21:00, or empty for none."),
                label=label,
            ),
        )
    return text


def codes_rule(text: str, key: str, label: str) -> str:
    """Device codes, like "B" or "B,C" (or empty)."""
    words = [w.strip().upper() for w in text.split(",") if w.strip()]
    if any(not re.fullmatch(r"[A-Z]{1,4}", w) for w in words):
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{label} must be PC codes as the device list shows them, like B,C."
                ),
                label=label,
            ),
        )
    return ",".join(dict.fromkeys(words))


def order_rule(text: str, key: str, label: str) -> str:
    words = [w.strip().lower() for w in text.split(",") if w.strip()]
    if not words or len(set(words)) != len(words) or not set(words) <= set(CHANNELS):
        raise ValidationError(
            key,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{label} lists channels from {channels}, like sms,whatsapp,email."
                ),
                label=label,
                channels=", ".join(CHANNELS),
            ),
        )
    return ",".join(words)


@dataclass(frozen=True)
class ServiceRules(Kind):
    """Per service: its own offsets and on/off choices, keyed by the service's id."""

    name = "json"

    def check(self, value: object, key: str, label: str) -> dict[str, Any]:
        rules = as_object(value, key, label)
        checked: dict[str, Any] = {}
        for service, rule in rules.items():
            entry = as_object(rule, key, label)
            unknown = set(entry) - {"offsets", *FLAGS}
            if unknown or not isinstance(service, str) or not 0 < len(service) <= 36:
                raise self._refused(key, label)
            made: dict[str, Any] = {}
            if "offsets" in entry:
                if not isinstance(entry["offsets"], str):
                    raise _bad_offsets(key, label)
                made["offsets"] = offsets_rule(entry["offsets"], key, label)
            for flag in FLAGS:
                if flag in entry:
                    if not isinstance(entry[flag], bool):
                        raise self._refused(key, label)
                    made[flag] = entry[flag]
            checked[service] = made
        return checked

    def settle(self, session: Session, value: object, key: str, label: str) -> object:
        """Each key as the id of the service it names; one naming none is refused."""
        return servicekeys.resolve(session, as_object(value, key, label), key)

    def hint(self) -> str:
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                'write it as JSON: {{"<service name or id>": {{"offsets": "48h", '
                '"confirmation": false}}}} (reminders rules set does it for one service).',
            )
        )

    def _refused(self, key: str, label: str) -> ValidationError:
        return ValidationError(
            key, Text(QT_TRANSLATE_NOOP("core", "{label}: {hint}"), label=label, hint=self.hint())
        )


def _declare(
    key: str, kind: Kind, default: object, label: str, help: str, elsewhere: bool = False
) -> Setting:
    return declare(Setting(key, "clinic", kind, default, label, help, CONFIGURE,
                           elsewhere=elsewhere))  # fmt: skip


ENABLED = _declare(
    "reminders.enabled",
    Flag(),
    False,
    Text(QT_TRANSLATE_NOOP("core", "Send reminders")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "Whether the reminder station sends reminders and booking messages to patients "
            "who consented to the channel.",
        )
    ),
)
STATION = _declare(
    "reminders.station",
    Words(4, required=False),
    "",
    Text(QT_TRANSLATE_NOOP("core", "Reminder station")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The code of the one PC that sends (A, B, ... as the device list shows them). "
            "Empty: this PC, when the clinic does not sync with a cloud; with a cloud, "
            "no PC sends until one is named.",
        )
    ),
)
STANDBY = _declare(
    "reminders.standby",
    Words(40, required=False, rule=codes_rule),
    "",
    Text(QT_TRANSLATE_NOOP("core", "Stand-by stations")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "With a cloud: the codes of PCs (like B or B,C) that send when the reminder "
            "station has been off for the takeover time, until it comes back.",
        )
    ),
)
TAKEOVER_HOURS = _declare(
    "reminders.takeover_hours",
    Whole(1, 168, "h"),
    24,
    Text(QT_TRANSLATE_NOOP("core", "Takeover after")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "How long the reminder station may be off before a stand-by PC sends instead.",
        )
    ),
)
OFFSETS = _declare(
    "reminders.offsets",
    Words(40, required=False, rule=offsets_rule),
    "24h,2h",
    Text(QT_TRANSLATE_NOOP("core", "Reminder times")),
    Text(
        QT_TRANSLATE_NOOP(
            "core", "How long before an appointment each reminder goes, like 24h,2h (m, h, d)."
        )
    ),
)
QUIET_START = _declare(
    "reminders.quiet_start",
    Words(5, required=False, rule=clock_rule),
    "21:00",
    Text(QT_TRANSLATE_NOOP("core", "Quiet hours begin")),
    Text(QT_TRANSLATE_NOOP("core", "No message goes from this time (empty: no quiet hours).")),
)
QUIET_END = _declare(
    "reminders.quiet_end",
    Words(5, required=False, rule=clock_rule),
    "08:00",
    Text(QT_TRANSLATE_NOOP("core", "Quiet hours end")),
    Text(QT_TRANSLATE_NOOP("core", "Messages may go again from this time.")),
)
QUIET_MODE = _declare(
    "reminders.quiet_mode",
    Choice(
        ("shift", "skip"),
        (
            Text(QT_TRANSLATE_NOOP("core", "Send when they end")),
            Text(QT_TRANSLATE_NOOP("core", "Do not send")),
        ),
    ),
    "shift",
    Text(QT_TRANSLATE_NOOP("core", "In quiet hours")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "What becomes of a message due in quiet hours: sent when they end, if that is "
            "still before the appointment, or not sent at all.",
        )
    ),
)
CONFIRMATION = _declare(
    "reminders.confirmation",
    Flag(),
    True,
    Text(QT_TRANSLATE_NOOP("core", "Booking confirmation")),
    Text(QT_TRANSLATE_NOOP("core", "Send a message when an appointment is booked.")),
)
RESCHEDULE = _declare(
    "reminders.reschedule",
    Flag(),
    True,
    Text(QT_TRANSLATE_NOOP("core", "Reschedule message")),
    Text(QT_TRANSLATE_NOOP("core", "Send a message when an appointment is moved.")),
)
CANCELLATION = _declare(
    "reminders.cancellation",
    Flag(),
    True,
    Text(QT_TRANSLATE_NOOP("core", "Cancellation message")),
    Text(QT_TRANSLATE_NOOP("core", "Send a message when an appointment is cancelled.")),
)
LATE_LIMIT = _declare(
    "reminders.late_limit_minutes",
    Whole(5, 1440, "min"),
    120,
    Text(QT_TRANSLATE_NOOP("core", "Late limit")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "A message not sent within this many minutes of its time (the station was off) "
            "is skipped, not sent late.",
        )
    ),
)
CHANNEL_ORDER = _declare(
    "reminders.channel_order",
    Ordered(
        40,
        rule=order_rule,
        options=CHANNELS,
        labels=tuple(Text(CHANNEL_NAMES[channel]) for channel in CHANNELS),
    ),
    "sms,whatsapp,email",
    Text(QT_TRANSLATE_NOOP("core", "Channel order")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "The channels to try, first to last, when the patient named none: the first "
            "one they consented to and can be reached by. Tick the ones to use; Up and "
            "Down order them.",
        )
    ),
)
MAX_ATTEMPTS = _declare(
    "reminders.max_attempts",
    Whole(1, 10),
    5,
    Text(QT_TRANSLATE_NOOP("core", "Attempts")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "How many tries, 1, 2, 4, 8... minutes apart, a message gets when the provider "
            "is busy or cannot be reached; after them it is tried every 15 minutes until it "
            "is too late to send (the late limit after its time, or the appointment's start).",
        )
    ),
)
SERVICE_RULES = _declare(
    "reminders.service_rules",
    ServiceRules(),
    {},
    Text(QT_TRANSLATE_NOOP("core", "Rules per service")),
    Text(
        QT_TRANSLATE_NOOP(
            "core",
            "A service's own reminder times and on/off choices, by the service's name or "
            "id (stored by its id, so a renamed service keeps them); the clinic's rules "
            "apply to every service not named. Settings > Services sets them per service.",
        )
    ),
    elsewhere=True,  # Settings > Services, per service: no JSON box on the clinic's page
)


@dataclass(frozen=True)
class Rules:
    """The rules for one service, read once per round."""

    offsets: tuple[tuple[str, timedelta], ...]
    confirmation: bool
    reschedule: bool
    cancellation: bool

    def asks(self, kind: str, rule: str) -> bool:
        """Whether these rules ask for a message of ``kind`` and ``rule`` (a reminder's
        offset as planned, "24h", the same rule as "1d": :func:`rule_key`; the kind
        itself for the others): one they do not (an offset removed, a message switched
        off) is withdrawn, never sent."""
        if kind == "reminder":
            key = rule_key(rule)
            return any(rule_key(label) == key for label, _ in self.offsets)
        return bool(getattr(self, kind, False))


def offsets_of(text: str) -> tuple[tuple[str, timedelta], ...]:
    words = [w for w in text.split(",") if w]
    return tuple((w, timedelta(minutes=offset_minutes(w) or 0)) for w in words)


ADDRESS = _declare(
    "reminders.clinic_address",
    Words(300, required=False),
    "",
    Text(QT_TRANSLATE_NOOP("core", "Address on messages")),
    Text(
        QT_TRANSLATE_NOOP("core", "The clinic's address as WhatsApp and e-mail messages give it.")
    ),
)
