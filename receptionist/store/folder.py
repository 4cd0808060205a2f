"""The data folder itself: folders we make are private, and a clinic gets a folder of its own.

A folder Receptionist makes (the data folder, and any missing folder above it) is
made owner-only (0700 on POSIX) from the start. A folder that was there before keeps
its mode: it may be shared, and changing it would lock its other users out. So a new
clinic goes only into a folder that holds nothing but Receptionist's own files (or
nothing at all); a folder holding anyone else's files is refused, never taken over.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from receptionist.errors import UserError
from receptionist.texts import QT_TRANSLATE_NOOP, Text

# Present from the first step of a set-up to its last (see receptionist.ops.setup).
UNFINISHED = "setup.unfinished"
# Our files: clinic.db and everything named after it (-wal, -shm, -journal, .inuse,
# the .rekey/.compact side files, .before-* copies), the key file and its temp files.
# The mark of a copy restored to look at (receptionist/store/lookcopy.py).
RESTORED_COPY = "restored-copy.json"
# backup-places.json: the folders this PC wrote backups in (ops/backupplaces.py).
OUR_NAMES = frozenset({"clinic.keys", "app.lock", UNFINISHED, "backup-places.json", RESTORED_COPY})
OUR_PREFIXES = ("clinic.db", ".clinic.keys.")
# What file managers put in any folder they show.
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
# The app's demo clinic is a folder of its own inside the default data folder.
DEMO_FOLDER = "demo"


def make_private_dir(path: Path) -> list[Path]:
    """``path`` and every missing folder above it, each made owner-only; returns the
    folders this call made, the topmost first (for undoing)."""
    missing: list[Path] = []
    here = Path(path)
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    made = []
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made by someone else just now: not ours to change or remove
        if os.name == "posix":
            os.chmod(folder, 0o700)  # whatever the umask
        made.append(folder)
    return made


def remove_made_dirs(made: list[Path]) -> None:
    """Remove the folders :func:`make_private_dir` made, the deepest first, if empty."""
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


def is_ours(entry: Path) -> bool:
    name = entry.name
    if name in OUR_NAMES or name in OS_LITTER or name.startswith(OUR_PREFIXES):
        return True
    return name == DEMO_FOLDER and entry.is_dir()


def others_files(root: Path) -> list[Path]:
    """What ``root`` holds that is not Receptionist's (none when it does not exist)."""
    try:
        return [entry for entry in Path(root).iterdir() if not is_ours(entry)]
    except FileNotFoundError:
        return []


def refuse_unfit(root: Path) -> None:
    """UserError unless a new clinic may go into ``root``: it does not exist yet, or it
    is a folder holding nothing of anyone else's. Names only how many foreign files
    there are: their names may be a patient's."""
    root = Path(root)
    nearest = next((p for p in (root, *root.parents) if p.exists()), root)
    if nearest.exists() and not nearest.is_dir():
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "{path} is a file, not a folder; choose a folder for the clinic."
                ),
                path=str(nearest),
            )
        )
    foreign = others_files(root)
    if foreign:
        raise UserError(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{path} already holds files or folders that are not Receptionist's "
                    "({count}, hidden ones included). A clinic needs a folder of its "
                    "own, so nothing was set up and the folder was not changed. Choose an "
                    "empty folder, or a new one such as {suggestion}.",
                ),
                path=str(root),
                count=len(foreign),
                suggestion=str(root / "receptionist"),
            )
        )
