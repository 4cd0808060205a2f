"""document add|list|get|remove: files kept with a patient, through
``receptionist.ops.documents``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from receptionist import zones
from receptionist.cli.common import App, examples
from receptionist.cli.patientcmds import PATIENT_HELP, options_named
from receptionist.errors import ValidationError
from receptionist.ops import documents, lookup, patients
from receptionist.ops.documents import MAX_BYTES, DocumentInfo
from receptionist.texts import QT_TRANSLATE_NOOP, Text

DOCUMENT_HELP = "the document's id, or its first 6 characters (as `document list` shows)"
# What the core calls the file it was given, and the option that gave it.
_FILE_FIELDS = {"content": "file", "file_name": "file"}
TAKEN = Text(
    QT_TRANSLATE_NOOP(
        "core", "A file of that name is already there; choose another name, or add --force."
    )
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doc = sub.add_parser("document", help="documents attached to patients (kept encrypted)")
    dsub = doc.add_subparsers(dest="document_cmd", required=True)
    p = dsub.add_parser(
        "add",
        help=f"attach a file (up to {MAX_BYTES // (1024 * 1024)} MB) to a patient's record",
        **examples(
            "receptionist document add A-12 referral.pdf",
            'receptionist document add A-12 scans/xray.jpg --note "Panoramic, March"',
        ),
    )
    p.add_argument("patient", help=PATIENT_HELP)
    p.add_argument("file", help="the file to attach; it is kept under its own name")
    p.add_argument("--note", default="", help="a note kept with it (up to 1000 characters)")
    p.set_defaults(func=cmd_add)

    p = dsub.add_parser(
        "list",
        help="list a patient's documents, newest first",
        **examples("receptionist document list A-12", "receptionist document list A-12 --json"),
    )
    p.add_argument("patient", help=PATIENT_HELP)
    p.set_defaults(func=cmd_list)

    p = dsub.add_parser(
        "get",
        help="save a copy of a document to a file, readable by you only (audited; the copy "
        "is not encrypted)",
        **examples(
            "receptionist document get 3f2a9c --to ~/referral.pdf",
            "receptionist document get 3f2a9c --to ~/referral.pdf --force",
        ),
    )
    p.add_argument("document", metavar="DOCUMENT_ID", help=DOCUMENT_HELP)
    p.add_argument("--to", required=True, metavar="FILE", help="the file to write")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.set_defaults(func=cmd_get)

    p = dsub.add_parser(
        "remove",
        help="remove a document from the record (its contents are erased)",
        **examples("receptionist document remove 3f2a9c"),
    )
    p.add_argument("document", metavar="DOCUMENT_ID", help=DOCUMENT_HELP)
    p.set_defaults(func=cmd_remove)


def _data(info: DocumentInfo, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "patient_id": info.patient_id,
        "file_name": info.file_name,
        "media_type": info.media_type,
        "size_bytes": info.size_bytes,
        "sha256": info.sha256,
        "note": info.note,
        "added_by": info.added_by,
        "added_at": info.added_at.astimezone(tz).isoformat(timespec="seconds"),
    }


def size_text(size: int) -> str:
    """ "812 bytes", "12 KB", "3.4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _line(d: dict[str, Any]) -> str:
    when = d["added_at"][:16].replace("T", " ")
    return f"{d['id'][:8]}  {when}  {size_text(d['size_bytes']):>9}  {d['file_name']}"


def cmd_add(app: App) -> int:
    a = app.args
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, a.patient)
        with options_named(_FILE_FIELDS):
            info = documents.attach(db, ctx, found.id, Path(a.file), note=a.note)
        data = _data(info, zones.zone(patients.clinic_zone(db)))
    app.emit(data, "Attached: " + _line(data))
    return 0


def cmd_list(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        found = lookup.patient(db, app.args.patient)
        tz = zones.zone(patients.clinic_zone(db))
        data = [_data(d, tz) for d in documents.listing(db, ctx, found.id)]
    app.emit(data, "\n".join(_line(d) for d in data) or "No documents.")
    return 0


def cmd_get(app: App) -> int:
    a = app.args
    to = Path(a.to).expanduser()
    if not a.force and not to.is_dir() and (to.exists() or to.is_symlink()):
        raise ValidationError("to", TAKEN)  # before the (audited) reading
    with app.database() as db:
        ctx = app.ctx(db)
        document_id = documents.find(db, a.document)
        info = documents.save_copy(db, ctx, document_id, to, replace=a.force)
        data = _data(info, zones.zone(patients.clinic_zone(db)))
    data["path"] = str(to)
    app.emit(
        data,
        f"Saved a copy of {info.file_name} to {to}. It is not encrypted: delete it when done.",
    )
    return 0


def cmd_remove(app: App) -> int:
    with app.database() as db:
        ctx = app.ctx(db)
        document_id = documents.find(db, app.args.document)
        documents.remove(db, ctx, document_id)
    app.emit({"id": document_id, "removed": True}, f"Removed document {document_id[:8]}.")
    return 0
