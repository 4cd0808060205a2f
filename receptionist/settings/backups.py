"""Backup settings, declared in the registry: where this PC writes backups, and how
many the rotation keeps."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .kinds import Whole, Words
from .registry import Setting, declare

CONFIGURE = "clinic.configure"
MANAGE_BACKUPS = "backup.manage"  # where the clinic's backups go: a manager's, IT's


@dataclass(frozen=True)
class FolderPath(Words):
    """A folder's path on this PC (empty: the default). Set by a person, a path that
    is a file (or lies under one) is refused; one that does not exist yet is told
    whether the first backup will make it (the nearest existing folder above it is
    writable) or not. Read, the value is only checked as text: what is found there
    then is the backup's to tell."""

    def vet(self, value: object, key: str, label: str) -> str:
        text = str(value)
        if not text:
            return ""
        where = Path(os.path.abspath(Path(text).expanduser()))
        if where.is_dir():
            return ""
        above = where
        while not above.exists() and above != above.parent:
            above = above.parent
        if above.exists() and not above.is_dir():
            raise ValidationError(
                key,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "{label}: {path} is a file, not a folder; give the folder the "
                        "backups go into (a new folder's name is fine: it is made).",
                    ),
                    label=label,
                    path=str(above),
                ),
            )
        if os.access(above, os.W_OK | os.X_OK):
            return Text(
                QT_TRANSLATE_NOOP("core", "{path} does not exist yet: the first backup makes it."),
                path=str(where),
            )
        return Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{path} does not exist, and it cannot be made here now ({above} is out of "
                "reach or not writable): connect the disk or share, or create the folder, "
                "before the next backup.",
            ),
            path=str(where),
            above=str(above),
        )


FOLDER = declare(
    Setting(
        "backup.folder",
        "pc",
        FolderPath(1000, required=False),
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
