"""The clinic's own settings, declared once in the registry: its name, time zone,
phone region and language. Every room reads them (patients need the phone region,
the schedule the time zone); they are clinic settings, one database row per key.
"""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .kinds import TimeZone, Words, code_rule
from .registry import Setting, declare

CONFIGURE = "clinic.configure"


NAME = declare(
    Setting(
        "clinic.name",
        "clinic",
        Words(200),
        "Clinic",
        Text(QT_TRANSLATE_NOOP("core", "Clinic name")),
        Text(QT_TRANSLATE_NOOP("core", "Shown in the title bar, on reminders and on exports.")),
        CONFIGURE,
    )
)
TIMEZONE = declare(
    Setting(
        "clinic.timezone",
        "clinic",
        TimeZone(),
        "UTC",
        Text(QT_TRANSLATE_NOOP("core", "Time zone")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Where the clinic is, as a zone name like Europe/Istanbul: every time on the "
                "schedule is wall time there, across daylight-saving changes.",
            )
        ),
        CONFIGURE,
    )
)
PHONE_REGION = declare(
    Setting(
        "clinic.phone_region",
        "clinic",
        Words(2, rule=code_rule(2)),
        "TR",
        Text(QT_TRANSLATE_NOOP("core", "Phone region")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The country whose numbers may be typed without a country code, as two "
                "letters (TR, GB, DE).",
            )
        ),
        CONFIGURE,
    )
)
LOCALE = declare(
    Setting(
        "clinic.locale",
        "clinic",
        Words(16),
        "en",
        Text(QT_TRANSLATE_NOOP("core", "Language")),
        Text(
            QT_TRANSLATE_NOOP(
                "core", "The clinic's language for messages to patients, like en, tr or ar."
            )
        ),
        CONFIGURE,
    )
)
