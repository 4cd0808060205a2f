"""The mark of a copy restored to look at, kept in the clinic's file as well as beside it.

``store/lookcopy.py`` says what such a copy is and what it does not do. Its mark is
``restored-copy.json`` beside ``clinic.db``, read without unlocking anything (the
app's banner, the runner's every tick). A file beside the database does not travel
with it, though: the copy's ``clinic.db`` and ``clinic.keys`` copied by hand into
another folder, or the folder moved without it, would open as the clinic's live PC
and send its queued reminders again. So the same bytes are kept in the encrypted file
too, as a ``local_secret`` row (a table of this PC's that is never synced and never in
the change feed), and :func:`carry`, run at every opening (``vault.open_unlocked``),
makes the two agree before anything reads the mark:

- a mark beside the file goes into it (a copy restored before the mark was kept in
  the file, or a restore cut short before its first opening);
- a mark in the file with none beside it is put back beside it (a copy of the file).

So only lifting both lifts it (``backup adopt``: from the file in its write, then
from beside it), and a mark left in either after a crash marks the copy again at its
next opening (it stays look-only, and ``backup adopt`` may be run again).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from receptionist.errors import ReceptionistError
from receptionist.models import LocalSecret
from receptionist.store.folder import RESTORED_COPY
from receptionist.store.keyfile import atomic_write
from receptionist.store.storage import Database, fsync_dir

# Its ``local_secret`` key: no secret's (theirs are "<namespace>:<setting>").
KEY = "restored-copy"


def beside(root: Path) -> bytes | None:
    """The mark beside the file in the data folder ``root`` (None: none)."""
    try:
        return (Path(root) / RESTORED_COPY).read_bytes()
    except FileNotFoundError:
        return None


def put_beside(root: Path, mark: bytes | None) -> None:
    """The mark beside the file, written whole (None: removed)."""
    path = Path(root) / RESTORED_COPY
    if mark is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, mark)
    fsync_dir(Path(root))


def in_file(session: Session) -> bytes | None:
    """The mark kept in the file (None: none)."""
    row = session.get(LocalSecret, KEY)
    return row.value.encode("utf-8") if row is not None else None


def keep_in_file(session: Session, mark: bytes | None) -> None:
    """Keep ``mark`` in the file (None: none), in the caller's write."""
    row = session.get(LocalSecret, KEY)
    if mark is None:
        if row is not None:
            session.delete(row)
    else:
        # Unreadable bytes beside the file still mark a copy (``lookcopy.restored_copy``).
        value = mark.decode("utf-8", "replace")
        if row is None:
            session.add(LocalSecret(key=KEY, value=value))
        else:
            row.value = value
    session.flush()


def in_file_at(path: Path, key: bytes) -> bytes | None:
    """The mark kept in the clinic file at ``path``, read with ``key`` before anything
    else opens it (a restore deciding what the folder holds); None when there is none,
    or the file is absent or not opened by ``key``."""
    if not Path(path).exists():
        return None
    try:
        db = Database(Path(path), key)
    except (ReceptionistError, OSError, SQLAlchemyError):
        return None
    try:
        with db.read() as s:
            return in_file(s)
    except (ReceptionistError, OSError, SQLAlchemyError):
        return None
    finally:
        db.close()


def carry(db: Database, root: Path) -> None:
    """Make the mark beside the file and the one in it agree: the one beside it wins
    (a restore into the copy again writes it there first), else the file's is put
    beside it. Writes nothing when they agree (every opening of every clinic)."""
    there = beside(root)
    with db.read() as s:
        kept = in_file(s)
    if there is not None and kept != there.decode("utf-8", "replace").encode("utf-8"):
        with db.write(in_copy=True) as s:  # opening a copy: its mark
            keep_in_file(s, there)
    elif there is None and kept is not None:
        put_beside(root, kept)
