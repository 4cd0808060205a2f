"""Operations on a patient's documents: attach a file (with progress and cancel), list
them, read one or save a copy of it, remove one.

The rules, permission checks and audit events live in ``receptionist.patients.documents``
(the bytes are a column of the encrypted file; reading them is audited). A file is
read in chunks, reporting progress and checking for a cancel between them; the last
check runs inside the write transaction, so a cancel before the commit leaves nothing
written. A saved copy is written whole or not at all, readable by its owner only; one
cut short (the process killed) leaves a temporary file the next save or export into
that folder removes (``ops.tempfiles``).
File names and contents never reach a log or an exception text.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Protocol

from receptionist.context import Ctx
from receptionist.errors import UserError, ValidationError
from receptionist.models import PatientDocument
from receptionist.ops import tempfiles
from receptionist.ops.lookup import by_id_or_prefix
from receptionist.patients import documents
from receptionist.patients.documents import MAX_BYTES, DocumentInfo, too_big_message
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "CHUNK_BYTES",
    "MAX_BYTES",
    "DocumentInfo",
    "Progress",
    "attach",
    "find",
    "listing",
    "read",
    "read_file",
    "remove",
    "save_copy",
    "too_big_message",
]

CHUNK_BYTES = 1024 * 1024
TAKEN = Text(
    QT_TRANSLATE_NOOP("core", "A file of that name is already there; choose another name.")
)
NO_FOLDER = Text(
    QT_TRANSLATE_NOOP("core", "The folder to save the copy in does not exist; choose another.")
)
A_FOLDER = Text(QT_TRANSLATE_NOOP("core", "That is a folder; give the name of the file to write."))


class Progress(Protocol):
    """How long work reports and is cancelled (``ui.tasks.Progress`` is one)."""

    def report(self, done: int, total: int = 0) -> None:
        """``done`` of ``total`` (0: not known) bytes so far."""

    def check(self) -> None:
        """Raise if the work was cancelled."""


class _Quiet:
    def report(self, done: int, total: int = 0) -> None:
        pass

    def check(self) -> None:
        pass


def listing(db: Database, ctx: Ctx, patient_id: str) -> list[DocumentInfo]:
    """The patient's documents, newest first (the bytes are not read)."""
    with db.read() as s:
        return documents.list_documents(s, ctx, patient_id)


def find(db: Database, key: str, field: str = "document") -> str:
    """The id of the document whose id is ``key`` or starts with it (6 characters or more)."""
    with db.read() as s:
        row: PatientDocument = by_id_or_prefix(s, PatientDocument, key, field)
        return row.id


def read_file(path: Path, progress: Progress | None = None) -> bytes:
    """The file's bytes, read in chunks; refused early when over the size limit.

    The total reported is the file's size, or 0 (unknown) for a pipe or a file that
    grows while it is read.
    """
    progress = progress or _Quiet()
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValidationError("content", too_big_message())
        data = bytearray()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                progress.check()
                data += chunk
                if len(data) > MAX_BYTES:  # it grew while being read
                    raise ValidationError("content", too_big_message())
                progress.report(len(data), size if size >= len(data) else 0)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValidationError("file", documents.unreadable(reason)) from None
    return bytes(data)


def attach(
    db: Database,
    ctx: Ctx,
    patient_id: str,
    path: Path,
    *,
    note: str = "",
    progress: Progress | None = None,
) -> DocumentInfo:
    """Store the file at ``path`` as the patient's document, under its own name."""
    progress = progress or _Quiet()
    data = read_file(path, progress)
    progress.check()
    progress.report(len(data), len(data))  # all read: saving now
    with db.write() as s:
        added = documents.attach(s, ctx, patient_id, path.name, data, note=note)
        progress.check()  # cancelled while saving: the transaction rolls back
        return added


def read(db: Database, ctx: Ctx, document_id: str) -> tuple[DocumentInfo, bytes]:
    """The document and its bytes; the reading is audited (in a copy to look at too)."""
    with db.write(in_copy=True) as s:
        return documents.read_content(s, ctx, document_id)


def save_copy(
    db: Database, ctx: Ctx, document_id: str, to: Path, *, replace: bool = False
) -> DocumentInfo:
    """Write the document's bytes to ``to``, whole or not at all, readable by its owner
    only. An existing file there is refused unless ``replace``; a missing folder is
    refused before the document is read."""
    check_target(to, replace)
    info, content = read(db, ctx, document_id)
    try:
        _write_private(to, content, replace)
    except OSError as exc:
        raise disk_refused(exc) from None
    return info


def remove(db: Database, ctx: Ctx, document_id: str) -> None:
    """Tombstone the document and wipe its bytes, name, note and hash."""
    with db.write() as s:
        documents.remove(s, ctx, document_id)


def check_target(to: Path, replace: bool) -> None:
    """Refuse ``to`` before anything is read: a folder, a missing folder, or a name
    taken (unless ``replace``); each a ValidationError on ``to``."""
    if to.is_dir():
        raise ValidationError("to", A_FOLDER)
    if not to.parent.is_dir():
        raise ValidationError("to", NO_FOLDER)
    if not replace and (to.exists() or to.is_symlink()):
        raise ValidationError("to", TAKEN)


def _write_private(path: Path, content: bytes, replace: bool) -> None:
    temp = tempfiles.make(path.parent)  # locked until named; abandoned ones gone
    try:
        with os.fdopen(temp.fd, "wb") as handle:  # mkstemp made it owner-only
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        place(temp.path, path, replace)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp.path)
        raise
    finally:
        temp.release()


def disk_refused(exc: OSError) -> UserError:
    """The disk's refusal to take a copy (read-only, full, gone), told to a person:
    here and ``ops.export``."""
    return UserError(documents.not_saved(exc.strerror or type(exc).__name__))


def place(tmp: str, path: Path, replace: bool) -> None:
    """Give the written file ``tmp`` the name ``path``, over a file there only if
    ``replace``: a name taken meanwhile is refused (TAKEN, on ``to``), and the disk's
    refusal told (:func:`disk_refused`). Here and ``ops.export``."""
    try:
        if replace:
            os.replace(tmp, path)
        else:
            place_new(tmp, path)
    except FileExistsError:
        raise ValidationError("to", TAKEN) from None
    except OSError as exc:
        raise disk_refused(exc) from None


def place_new(tmp: str, path: Path) -> None:
    """Give the written file ``tmp`` the name ``path`` unless that name is taken."""
    try:
        os.link(tmp, path)  # refuses a name taken meanwhile, atomically
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT on a USB stick)
        if path.exists() or path.is_symlink():
            raise FileExistsError from None
        os.rename(tmp, path)  # on Windows this too refuses a taken name
        return
    os.unlink(tmp)
