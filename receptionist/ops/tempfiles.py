"""The temporary file a copy of patient data is written to before it gets its name: a
patient's export (``ops.export``) or a document's saved copy (``ops.documents``), in
the folder chosen for it (a USB stick, Downloads).

Each is named ``.receptionist-XXXXXXXX.tmp`` (``tempfile.mkstemp``: owner-only) and
locked by its writer while it is written (``flock``; on Windows a byte's lock). A
writer that dies mid-write (killed, the power cut) cannot remove it, and the OS drops
its lock: so each new one first removes the files of that name in its folder that no
one holds locked (:func:`clear_abandoned`), and patient data does not linger there past
the next export or save into the folder (issue #14). One still locked is being written
(another process; another PC on a shared folder) and stays. A file system that locks
nothing leaves them all (the lock cannot tell), as before.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from pathlib import Path

from receptionist.store.lock import lock_fd

PREFIX = ".receptionist-"
SUFFIX = ".tmp"
# Exactly the names mkstemp gives ours: a person's own file is never taken for one.
_OURS = re.compile(r"\.receptionist-[a-z0-9_]{8}\.tmp")


def make(folder: Path) -> tuple[int, str]:
    """A new temporary file in ``folder`` (its descriptor, open for writing, and its
    path), locked while the descriptor is open; the abandoned ones there removed first.
    OSError where none can be made."""
    clear_abandoned(folder)
    fd, tmp = tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX, dir=folder)
    with contextlib.suppress(OSError):  # a file system without locks: written unlocked
        lock_fd(fd)
    return fd, tmp


def clear_abandoned(folder: Path) -> int:
    """Remove the temporary files of ours in ``folder`` that no writer holds; how many
    went. Whatever cannot be read or removed is left, quietly."""
    try:
        names = [n for n in os.listdir(folder) if _OURS.fullmatch(n)]
    except OSError:
        return 0
    return sum(_remove_if_abandoned(folder / name) for name in names)


def _remove_if_abandoned(path: Path) -> bool:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):  # a link or a folder: not ours
            return False
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        lock_fd(fd)
    except OSError:  # held: a writer has it; or locks do not work here
        os.close(fd)
        return False
    os.close(fd)  # Windows removes no open file; the lock goes with it
    try:
        os.unlink(path)
    except OSError:
        return False
    return True
