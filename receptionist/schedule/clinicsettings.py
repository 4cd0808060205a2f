"""The clinic settings the schedule owns, declared once in the settings registry: its
slot grid, its opening hours, and when the today board warns about a waiting patient.

Each is kept as a clinic setting (one database row per key, synced).
``clinic.get_clinic`` reads them, with the clinic's own (``receptionist.settings.
clinic``), at once as a :class:`~receptionist.schedule.clinic.ClinicView`.
"""

from __future__ import annotations

from receptionist.settings.kinds import Kind, Whole
from receptionist.settings.registry import Setting, declare
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import hours
from .hourstext import hours_text, parse_hours

CONFIGURE = "clinic.configure"


class WeeklyHours(Kind):
    """Opening hours: ``"mon-fri 09:00-17:00; sat 09:00-13:00"`` or their JSON."""

    name = "hours"

    def parse(self, text: str, key: str, label: str) -> object:
        stripped = text.strip()
        if stripped.startswith("{"):
            return super().parse(stripped, key, label)
        if stripped.lower() in ("", "none", "not set"):
            return {}
        return self.check(parse_hours(stripped, key), key, label)

    def check(self, value: object, key: str, label: str) -> object:
        return hours.validate_hours(value, key)

    def show(self, value: object) -> str:
        return hours_text(value if isinstance(value, dict) else {})

    def hint(self) -> str:
        return Text(QT_TRANSLATE_NOOP("core", "days and times like 'mon-fri 09:00-17:00'."))


SLOT_MINUTES = declare(
    Setting(
        "schedule.slot_minutes",
        "clinic",
        Whole(5, 120, "min", divides=24 * 60),
        15,
        Text(QT_TRANSLATE_NOOP("core", "Slot size")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The schedule's grid, in minutes: free times are offered on it, counted "
                "from midnight.",
            )
        ),
        CONFIGURE,
    )
)
OPENING_HOURS = declare(
    Setting(
        "schedule.opening_hours",
        "clinic",
        WeeklyHours(),
        {},
        Text(QT_TRANSLATE_NOOP("core", "Opening hours")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "When the clinic is open; nobody is booked outside them. Not set: open all "
                "day, and each provider's own hours decide.",
            )
        ),
        CONFIGURE,
    )
)
WAIT_ALERT_MINUTES = declare(
    Setting(
        "desk.wait_alert_minutes",
        "clinic",
        Whole(1, 240, "min"),
        15,
        Text(QT_TRANSLATE_NOOP("core", "Waiting alert")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The today board turns a waiting patient's row amber after this many minutes.",
            )
        ),
        CONFIGURE,
    )
)
