"""A patient's copy of her record (right of access and portability: KVKK art. 11,
GDPR art. 15 and 20): one zip file holding ``record.json`` (``ops.access``, schema
versioned), ``record.html`` (``ops.accesspage``, plain and printable) and
``documents/`` with the documents' files themselves.

The record is read in one read transaction (one consistent picture of her) and the
zip written to a temporary file beside ``dest``, readable by its owner only; then, in
one write transaction, the export is audited (``patient.export`` on her id, and a
``read`` of each document copied, as saving one copy is) and the file given its name.
A failure anywhere leaves no file and no event; a process killed while it writes leaves
its temporary file, which the next export or saved copy into that folder removes
(``ops.tempfiles``). Only a manager or an administrator
may (``patient.export``); an unknown or erased patient is refused. The file is not
encrypted: it is for the patient.
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound
from receptionist.journal import audit
from receptionist.models import Patient
from receptionist.ops import access, accesspage, tempfiles
from receptionist.ops.documents import check_target, disk_refused, place
from receptionist.patients import documents, record
from receptionist.privacy import anonymised
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import zone

ACTION: Final = "patient.export"
JSON_NAME: Final = "record.json"
HTML_NAME: Final = "record.html"


@dataclass(frozen=True)
class Exported:
    """What was written: where, how big, and how many of each kind it holds."""

    patient_id: str
    number: str
    path: Path
    size_bytes: int
    counts: dict[str, int]


def export_patient(
    db: Database,
    ctx: Ctx,
    patient_id: str,
    dest: Path,
    *,
    replace: bool = False,
    words: accesspage.Words = str,
) -> Exported:
    """Write the patient's whole record to the zip file ``dest`` (see the module's
    docstring); ``replace`` allows a file already there. ``words`` gives the page's
    own words in the reader's language (the app's translator; English by default)."""
    record.require_export(ctx)
    check_target(dest, replace)
    now = ctx.clock.now()
    temp = _temporary(dest)
    try:
        data = _write(db, temp.fd, patient_id, words, now)
        size = os.path.getsize(temp.path)
        _record_and_place(db, ctx, data, temp.path, dest, replace)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp.path)
        raise
    finally:
        temp.release()  # held until named: no other export's clean-up takes it
    patient = data["patient"]
    return Exported(patient["id"], patient["number"], dest, size, access.counts(data))


def _temporary(dest: Path) -> tempfiles.Temp:
    """The temporary file beside ``dest`` (owner-only); a folder where none can be made
    (read-only, full, not a real folder) is told as the disk's refusal, not a crash."""
    try:
        return tempfiles.make(dest.parent)  # locked until named; abandoned ones gone
    except OSError as exc:
        raise disk_refused(exc) from None


def _write(
    db: Database, fd: int, patient_id: str, words: accesspage.Words, now: datetime
) -> dict[str, Any]:
    """Her record, read in one transaction and written as the zip to ``fd``."""
    try:
        with os.fdopen(fd, "wb") as handle, db.read() as s:  # mkstemp made it owner-only
            data = access.gather(s, _exportable(s, patient_id), now)
            _write_zip(handle, s, data, words, now)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:  # the disk, not the database (whose errors are its own)
        raise disk_refused(exc) from None
    return data


def _exportable(s: Session, patient_id: str) -> Patient:
    """The live patient ``patient_id``; an erased or anonymised one is refused, saying
    so."""
    found = s.get(Patient, patient_id)
    if found is not None and found.deleted_at is not None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Patient {number} was erased: no record of theirs is left to copy.",
                ),
                number=found.number,
            )
        )
    live = record.live(s, patient_id)
    anonymised.refuse(live, anonymised.NO_EXPORT)
    return live


def _write_zip(
    handle: Any, s: Session, data: dict[str, Any], words: accesspage.Words, now: datetime
) -> None:
    stamp = now.astimezone(zone(data["clinic"]["timezone"])).timetuple()[:6]
    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as zf:
        dumped = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
        zf.writestr(zipfile.ZipInfo(JSON_NAME, stamp), dumped, zipfile.ZIP_DEFLATED)
        page = accesspage.page(data, words)
        zf.writestr(zipfile.ZipInfo(HTML_NAME, stamp), page, zipfile.ZIP_DEFLATED)
        for document_id, name in access.document_ids(data):
            content = access.document_bytes(s, document_id)
            zf.writestr(zipfile.ZipInfo(name, stamp), content, zipfile.ZIP_DEFLATED)


def _record_and_place(
    db: Database, ctx: Ctx, data: dict[str, Any], tmp: str, dest: Path, replace: bool
) -> None:
    """Audit the export and give the file its name, together: if the commit fails the
    file goes again. Also in a copy restored to look at: an export changes nothing there,
    and its audit is one of the looks a copy keeps (``Database.write``'s ``in_copy``)."""
    placed = False
    try:
        with db.write(in_copy=True) as s:
            patient = _exportable(s, data["patient"]["id"])  # not erased meanwhile
            events = [("read", documents.ENTITY, d) for d, _ in access.document_ids(data)]
            audit.record_many(s, ctx, [*events, (ACTION, "patient", patient.id)])
            place(tmp, dest, replace)
            placed = True
    except BaseException:
        if placed:
            with contextlib.suppress(OSError):
                os.unlink(dest)
        raise
