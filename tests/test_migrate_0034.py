"""Migration 0034 (issue #14): a document's base (``sync_base``, the row as the
endpoint last had it) keeps the digest of its bytes, not the bytes (a 20 MB scan kept
about 27 MB of base64 there on each PC). The upgrade shrinks the bases kept before,
other rows' as they were; the downgrade gives a base its bytes back from the document
row when they are the same bytes, and leaves the digest of a row gone."""

from __future__ import annotations

import base64
import hashlib
import json

from factories import add_clinic, downgrade, make_patients
from sqlalchemy import text

from receptionist.context import Ctx
from receptionist.patients import documents
from receptionist.store import migrate
from receptionist.store.storage import Database

DATA, GONE = b"%PDF-1.7 scan " * 5000, b"another scan"
PATIENT = {"given_name": "Ay\u015fe", "id": "p1", "version": 3}


def _digest(raw: bytes) -> str:
    return f"sha256:{hashlib.sha256(raw).hexdigest()}:{len(raw)}"


def _bases(db: Database) -> dict[str, dict[str, object]]:
    with db.read() as s:
        rows = s.execute(text("SELECT row_id, payload FROM sync_base")).all()
    return {str(r[0]): json.loads(r[1]) for r in rows}


def test_0034_keeps_a_documents_digest_in_its_base_and_the_downgrade_its_bytes(
    db: Database, ctx: Ctx
) -> None:
    with db.write() as s:
        add_clinic(s, ctx.clock.now())
        make_patients(s, ctx.clock.now(), (1,))
        doc = documents.attach(s, ctx, "p1", "scan.pdf", DATA).id
    downgrade(db, "0030")
    whole = {"content": base64.b64encode(DATA).decode(), "id": doc, "name": "scan.pdf"}
    gone = {"content": base64.b64encode(GONE).decode(), "id": "d-gone", "name": "old.pdf"}
    with db.write() as s:
        for entity, row_id, values in (
            ("patient_document", doc, whole), ("patient_document", "d-gone", gone),
            ("patient", "p1", PATIENT),
        ):  # fmt: skip
            s.execute(
                text("INSERT INTO sync_base VALUES (:e, :r, 1, :p)"),
                {"e": entity, "r": row_id, "p": json.dumps(values, sort_keys=True)},
            )
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    shrunk = _bases(db)
    assert shrunk[doc] == {**whole, "content": _digest(DATA)}
    assert shrunk["d-gone"] == {**gone, "content": _digest(GONE)}
    assert shrunk["p1"] == PATIENT, "other rows' bases as they were"
    downgrade(db, "0030")
    back = _bases(db)
    assert back[doc] == whole, "the document's bytes back from its row"
    assert back["d-gone"]["content"] == _digest(GONE) and back["p1"] == PATIENT
