"""This PC's desk preferences, declared in the settings registry."""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .kinds import Flag, Whole
from .registry import ANYONE, Setting, declare

# The idle lock keeps patients' data off an unattended screen: the clinic decides it.
CONFIGURE = "clinic.configure"

LOCK_AFTER_MINUTES = declare(
    Setting(
        "desk.lock_after_minutes",
        "pc",
        Whole(1, 480, "min"),
        5,
        Text(QT_TRANSLATE_NOOP("core", "Lock after")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Minutes without a key press or click after which this PC locks the desk "
                "(what was being typed is kept).",
            )
        ),
        CONFIGURE,
    )
)

TODAY_PANEL = declare(
    Setting(
        "desk.today_panel",
        "pc",
        Flag(),
        False,
        Text(QT_TRANSLATE_NOOP("core", "Today panel open")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Whether the today panel stays open beside the schedule on this PC; "
                "the app opens it at start as it was left.",
            )
        ),
        ANYONE,
    )
)

LARGER_TEXT = declare(
    Setting(
        "desk.larger_text",
        "pc",
        Flag(),
        False,
        Text(QT_TRANSLATE_NOOP("core", "Larger text")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Text about a quarter larger on this PC: the schedule (its rows and columns "
                "grow with it) and every window.",
            )
        ),
        ANYONE,
    )
)
