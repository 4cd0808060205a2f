"""Documents attached to a patient: stored in the encrypted database, listed, read, removed.

A document's bytes are a column of the SQLCipher file, so they are encrypted at rest
like the rest of the record, travel with its backups, and leave no side file behind.
Listing reads metadata only. Reading the bytes is audited (who took a copy of which
document); so are attaching and removing. Audit events carry ids, never a file name
or a note. Removing tombstones the row and wipes its bytes, name, note and hash, and
the same of its base (the row as the sync endpoint last had it).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.freetext import clean_text, refuse_controls
from receptionist.journal import audit, records
from receptionist.models import Patient, PatientDocument
from receptionist.patients import blanking
from receptionist.privacy import anonymised
from receptionist.texts import QT_TRANSLATE_NOOP, Text

ENTITY: Final = "patient_document"
MAX_BYTES: Final = 25 * 1024 * 1024
# A clinic that syncs through its cloud endpoint takes the same documents: one over
# 4 MB travels in sealed chunks beside its record (docs/sync-protocol.md, "Large
# documents"). Before, it travelled whole in one 16 MB push, and the limit was 8 MB.
SYNC_MAX_BYTES: Final = MAX_BYTES
MAX_NAME_CHARS: Final = 255
MAX_NOTE_CHARS: Final = 1000
FALLBACK_TYPE: Final = "application/octet-stream"
_GONE: Final = Text(
    QT_TRANSLATE_NOOP("core", "That document is no longer on file; reopen the patient.")
)
_INFO_COLUMNS: Final = (
    "id", "patient_id", "file_name", "media_type", "size_bytes", "sha256", "note", "added_by",
    "created_at",
)  # fmt: skip
# What a removal wipes of a document, in the row and in its base (``blanking``): its
# bytes, name, note, hash, type and size. Nothing reads a removed document's base but
# a pull of its record, which a removal here wins over (``replica.apply``).
BLANK: Final[dict[str, object]] = {
    "content": b"", "file_name": "", "note": "", "sha256": "", "media_type": FALLBACK_TYPE,
    "size_bytes": 0,
}  # fmt: skip
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9][\w.+-]*/[A-Za-z0-9][\w.+-]*$")


@dataclass(frozen=True)
class DocumentInfo:
    """What the document list shows: everything but the bytes."""

    id: str
    patient_id: str
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str
    note: str
    added_by: str | None
    added_at: datetime


def attach(
    session: Session,
    ctx: Ctx,
    patient_id: str,
    file_name: str,
    data: bytes,
    media_type: str | None = None,
    note: str = "",
) -> DocumentInfo:
    """Store ``data`` as a document of the patient; bad input writes nothing."""
    require(
        ctx,
        "patient.write",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot attach documents; ask a receptionist.")),
    )
    anonymised.refuse(
        records.live(
            session,
            Patient,
            patient_id,
            Text(QT_TRANSLATE_NOOP("core", "That patient is not on file any more.")),
        )
    )
    name = clean_name(file_name)
    content = check_size(data)
    document = PatientDocument(
        patient_id=patient_id,
        file_name=name,
        media_type=clean_media_type(media_type, name),
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        note=clean_text(note, "note", MAX_NOTE_CHARS),
        added_by=ctx.actor.user_id,
    )
    records.insert(session, ctx, document, ENTITY)
    return _info(document)


def clean_name(file_name: object) -> str:
    """The file's own name (no folder), 1-255 characters on one line, without control
    characters or direction overrides (a name ending in U+202E "fdp.exe" reads as "exe.pdf")."""
    if not isinstance(file_name, str) or "\x00" in file_name:
        raise ValidationError(
            "file_name",
            Text(QT_TRANSLATE_NOOP("core", "The file name cannot be read; rename the file.")),
        )
    name = file_name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or name in (".", ".."):
        raise ValidationError(
            "file_name",
            Text(QT_TRANSLATE_NOOP("core", "The document needs a file name; choose a file.")),
        )
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(
            "file_name",
            Text(
                QT_TRANSLATE_NOOP("core", "The file name is over {limit} characters; shorten it."),
                limit=MAX_NAME_CHARS,
            ),
        )
    return refuse_controls(name, "file_name", lines=False)


def check_size(data: object) -> bytes:
    """``data`` as bytes, refused when empty or over :data:`MAX_BYTES`."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValidationError(
            "content",
            Text(QT_TRANSLATE_NOOP("core", "The file could not be read; choose it again.")),
        )
    content = bytes(data)
    if not content:
        raise ValidationError(
            "content", Text(QT_TRANSLATE_NOOP("core", "The file is empty; choose another file."))
        )
    if len(content) > MAX_BYTES:
        raise ValidationError("content", too_big_message())
    return content


def too_big_message() -> Text:
    return Text(
        QT_TRANSLATE_NOOP(
            "core", "The file is larger than {limit} MB; attach a smaller or compressed copy."
        ),
        limit=MAX_BYTES // (1024 * 1024),
    )


def oversized_for_sync(session: Session) -> int:
    """How many live documents are over :data:`SYNC_MAX_BYTES`: a PC holding any cannot
    upload the clinic to its cloud endpoint."""
    return int(
        session.scalar(
            select(func.count()).where(
                PatientDocument.size_bytes > SYNC_MAX_BYTES, PatientDocument.deleted_at.is_(None)
            )
        )
        or 0
    )


def unreadable(reason: str) -> Text:
    """A file to attach could not be read; ``reason`` is the system's (no path in it)."""
    return Text(
        QT_TRANSLATE_NOOP("core", "The file could not be read ({reason}); check it and try again."),
        reason=reason,
    )


def not_saved(reason: str) -> Text:
    """A copy of a document could not be written; ``reason`` is the system's."""
    return Text(
        QT_TRANSLATE_NOOP("core", "The copy was not saved ({reason}); choose another place."),
        reason=reason,
    )


def clean_media_type(media_type: str | None, file_name: str) -> str:
    """The given type (checked), or one guessed from the name, or a generic one."""
    if media_type is None or media_type == "":
        guessed, _encoding = mimetypes.guess_type(file_name, strict=False)
        return guessed or FALLBACK_TYPE
    if not isinstance(media_type, str) or len(media_type) > 127:
        raise ValidationError(
            "media_type",
            Text(QT_TRANSLATE_NOOP("core", "The file type is not valid; leave it out.")),
        )
    if not _MEDIA_TYPE.match(media_type):
        raise ValidationError(
            "media_type",
            Text(QT_TRANSLATE_NOOP("core", "The file type is written like application/pdf.")),
        )
    return media_type.lower()


def list_documents(session: Session, ctx: Ctx, patient_id: str) -> list[DocumentInfo]:
    """The patient's documents, newest first; the bytes are not read."""
    require(
        ctx,
        "patient.read",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot see patients' documents.")),
    )
    columns = [getattr(PatientDocument, f) for f in _INFO_COLUMNS]
    rows = session.execute(
        select(*columns)
        .where(PatientDocument.patient_id == patient_id, PatientDocument.deleted_at.is_(None))
        .order_by(PatientDocument.created_at.desc(), PatientDocument.id)
    )
    return [DocumentInfo(*row) for row in rows]


def read_content(session: Session, ctx: Ctx, document_id: str) -> tuple[DocumentInfo, bytes]:
    """The document and its bytes; audited as a read, so run it in a write session."""
    require(
        ctx,
        "patient.read",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot open patients' documents.")),
    )
    document = records.live(session, PatientDocument, document_id, _GONE)
    audit.record(session, ctx, "read", ENTITY, document.id)
    return _info(document), bytes(document.content)


def remove(session: Session, ctx: Ctx, document_id: str) -> None:
    """Tombstone the document (so the deletion can sync) and wipe what it held."""
    require(
        ctx,
        "patient.write",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot remove documents; ask a receptionist.")),
    )
    _wipe(session, ctx, records.live(session, PatientDocument, document_id, _GONE))


def remove_all_of(session: Session, ctx: Ctx, patient_id: str) -> int:
    """Remove every document of a patient whose record is being deleted; how many."""
    require(
        ctx,
        "patient.write",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot remove documents; ask a receptionist.")),
    )
    rows = records.live_of_patient(session, PatientDocument, patient_id)
    for document in rows:
        _wipe(session, ctx, document)
    return len(rows)


def _wipe(session: Session, ctx: Ctx, document: PatientDocument) -> None:
    blanking.blank(session, document, BLANK)
    records.tombstone(session, ctx, document, ENTITY)


def _info(d: PatientDocument) -> DocumentInfo:
    return DocumentInfo(
        d.id,
        d.patient_id,
        d.file_name,
        d.media_type,
        d.size_bytes,
        d.sha256,
        d.note,
        d.added_by,
        d.created_at,
    )
