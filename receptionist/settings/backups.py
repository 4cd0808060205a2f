"""Backup settings, declared in the registry: where this PC writes backups, and how
many the rotation keeps."""

from __future__ import annotations

from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .kinds import Whole, Words
from .registry import Setting, declare

CONFIGURE = "clinic.configure"
MANAGE_BACKUPS = "backup.manage"  # where the clinic's backups go: a manager's, IT's

FOLDER = declare(
    Setting(
        "backup.folder",
        "pc",
        Words(1000, required=False),
        "",
        Text(QT_TRANSLATE_NOOP("core", "Backup folder")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "Where this PC writes the clinic's backups: best a second disk or a network "
                "share. Empty: the folder 'backups' inside the clinic's data folder, which "
                "does not survive the disk.",
            )
        ),
        MANAGE_BACKUPS,
    )
)
KEEP_DAILY = declare(
    Setting(
        "backup.keep_daily",
        "clinic",
        Whole(1, 366),
        7,
        Text(QT_TRANSLATE_NOOP("core", "Daily backups kept")),
        Text(
            QT_TRANSLATE_NOOP("core", "How many days back the newest backup of each day is kept.")
        ),
        CONFIGURE,
    )
)
KEEP_WEEKLY = declare(
    Setting(
        "backup.keep_weekly",
        "clinic",
        Whole(0, 520),
        8,
        Text(QT_TRANSLATE_NOOP("core", "Weekly backups kept")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "How many weeks back the newest backup of each week is kept, beyond the "
                "daily ones.",
            )
        ),
        CONFIGURE,
    )
)
HOUR = declare(
    Setting(
        "backup.hour",
        "clinic",
        Whole(0, 23),
        12,
        Text(QT_TRANSLATE_NOOP("core", "Daily backup at (hour)")),
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "The hour, in the clinic's time, of the daily backup. A PC that was off "
                "then makes it once when it starts.",
            )
        ),
        CONFIGURE,
    )
)
