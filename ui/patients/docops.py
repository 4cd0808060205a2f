"""The documents tab's work on the database worker: list, attach a file, save a copy, remove.

Every function here runs on the worker (``DbOp``) and returns plain frozen data. A
file is read in chunks, reporting progress and checking for Cancel between them; the
last check runs inside the write transaction, so a cancel before the commit leaves
nothing written. File names and contents never reach a log or an exception text.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from receptionist.context import Ctx
from receptionist.errors import UserError, ValidationError
from receptionist.patients import documents
from receptionist.patients.documents import DocumentInfo
from receptionist.store.storage import Database

from ..tasks import Progress

CHUNK_BYTES = 1024 * 1024


def load(db: Database, ctx: Ctx, patient_id: str) -> list[DocumentInfo]:
    with db.read() as s:
        return documents.list_documents(s, ctx, patient_id)


def read_file(path: Path, progress: Progress) -> bytes:
    """The file's bytes, read in chunks; refused early when over the size limit.

    The total reported is the file's size, or 0 (unknown) for a pipe or a file that
    grows while it is read.
    """
    try:
        size = path.stat().st_size
        if size > documents.MAX_BYTES:
            raise ValidationError("content", documents.too_big_message())
        data = bytearray()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                progress.check()
                data += chunk
                if len(data) > documents.MAX_BYTES:  # it grew while being read
                    raise ValidationError("content", documents.too_big_message())
                progress.report(len(data), size if size >= len(data) else 0)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(documents.unreadable(reason)) from None
    return bytes(data)


def attach_file(
    db: Database, ctx: Ctx, patient_id: str, path: Path, progress: Progress
) -> tuple[DocumentInfo, list[DocumentInfo]]:
    """Store the file at ``path`` as the patient's document; the new one and the list."""
    data = read_file(path, progress)
    progress.check()
    progress.report(len(data), len(data))  # all read: saving now
    with db.write() as s:
        added = documents.attach(s, ctx, patient_id, path.name, data)
        progress.check()  # cancelled while saving: the transaction rolls back
        return added, documents.list_documents(s, ctx, patient_id)


def save_copy(db: Database, ctx: Ctx, document_id: str, target: Path) -> DocumentInfo:
    """Write the document's bytes to ``target`` (atomically, readable by its owner only)."""
    with db.write() as s:  # reading the bytes is audited
        info, content = documents.read_content(s, ctx, document_id)
    try:
        write_private(target, content)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UserError(documents.not_saved(reason)) from None
    return info


def write_private(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".receptionist-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:  # mkstemp made it owner-only
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def remove(db: Database, ctx: Ctx, patient_id: str, document_id: str) -> list[DocumentInfo]:
    with db.write() as s:
        documents.remove(s, ctx, document_id)
        return documents.list_documents(s, ctx, patient_id)
