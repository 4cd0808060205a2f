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

Two moments a clean-up could take a live writer's file for a dead one's, both closed:
- between ``mkstemp`` and its writer's lock the file is ours by name and unlocked; but
  it is empty (the writer locks before its first byte), and an empty one is left. A
  writer that finds its new file held (a clean-up looking at it just then) leaves it
  and makes another (:data:`TRIES`), rather than write into a file it does not hold.
  A writer killed in that instant leaves an empty file for good: it holds nothing.
- between the writer closing its file and the file getting its name (an export waits
  for the database's write lock in between, its audit events): the writer holds the
  lock on a second descriptor (:meth:`Temp.release`, after the name is given). POSIX
  only: a ``flock`` belongs to the open file, shared by both descriptors. Windows
  renames no open file and its byte lock goes with the writer's own handle, so there
  this window stays open (from the file's closing to its naming, an export's audit
  write between); an export that meets it fails cleanly (the disk's refusal, "not
  saved"; nothing written, no event) and may be run again. Not tested on Windows.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from receptionist.store.lock import lock_fd

PREFIX = ".receptionist-"
SUFFIX = ".tmp"
# Exactly the names mkstemp gives ours: a person's own file is never taken for one.
_OURS = re.compile(r"\.receptionist-[a-z0-9_]{8}\.tmp")


TRIES = 3  # new files made while each is found held, before one is written unlocked


@dataclass
class Temp:
    """A new temporary file: ``fd`` to write it (the writer closes it) and its ``path``;
    held locked until :meth:`release`, which its writer calls once the file has its
    name or is gone."""

    fd: int
    path: str
    hold: int | None  # a second descriptor of the open file: the lock, after fd is closed

    def release(self) -> None:
        if self.hold is not None:
            hold, self.hold = self.hold, None
            os.close(hold)


def make(folder: Path) -> Temp:
    """A new temporary file in ``folder``, locked until released; the abandoned ones
    there removed first. OSError where none can be made."""
    clear_abandoned(folder)
    for attempt in range(1, TRIES + 1):
        fd, tmp = tempfile.mkstemp(prefix=PREFIX, suffix=SUFFIX, dir=folder)
        try:
            lock_fd(fd)
        except OSError:  # held by a clean-up looking at it; or a file system without locks
            if attempt == TRIES:
                return Temp(fd, tmp, None)  # written unlocked, as such a file system must
            os.close(fd)
            with contextlib.suppress(OSError):  # empty: its clean-up leaves it to us
                os.unlink(tmp)
            continue
        return Temp(fd, tmp, os.dup(fd) if os.name == "posix" else None)
    raise AssertionError("unreachable")  # pragma: no cover


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
        empty = os.fstat(fd).st_size == 0  # a writer's new file, not locked yet
    except OSError:  # held: a writer has it; or locks do not work here
        os.close(fd)
        return False
    os.close(fd)  # Windows removes no open file; the lock goes with it
    if empty:
        return False
    try:
        os.unlink(path)
    except OSError:
        return False
    return True
