"""A document's base keeps the digest of its bytes, not the bytes

Revision ID: 0034
Revises: 0030
Create Date: 2026-12-07

``sync_base`` (0013, local: no change-feed triggers) keeps each synced row as the
endpoint last had it, for the three-way merge. A document's bytes never merge, and a
base kept them whole, in base64: a 20 MB scan wrote about 27 MB there on each PC
(issue #14). The base now keeps ``"sha256:<hex>:<size>"`` in their place
(``receptionist/replica/bases.py``); the upgrade shrinks the bases kept before, one
row at a time (each can be tens of MB). The downgrade gives a base its bytes back from
the document row when they are the same bytes (a document is never edited, so they
are); one whose row is gone or other keeps its digest, which the older code compares
as a changed value (a document's base is read only to merge, and documents are not
edited). Code before 0034 refuses this file anyway.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

DOCUMENT = "patient_document"
DIGEST = "sha256:"  # frozen copy of replica/bases.py's form


def _digest(raw: bytes) -> str:
    return f"{DIGEST}{hashlib.sha256(raw).hexdigest()}:{len(raw)}"


def _ids() -> list[str]:
    found = op.get_bind().execute(
        sa.text("SELECT row_id FROM sync_base WHERE entity = :e ORDER BY row_id"), {"e": DOCUMENT}
    )
    return [str(row[0]) for row in found]


def _payload(row_id: str) -> dict[str, object] | None:
    text = op.get_bind().scalar(
        sa.text("SELECT payload FROM sync_base WHERE entity = :e AND row_id = :r"),
        {"e": DOCUMENT, "r": row_id},
    )
    values = json.loads(text) if text else None
    return values if isinstance(values, dict) else None


def _write(row_id: str, values: dict[str, object]) -> None:
    op.get_bind().execute(
        sa.text("UPDATE sync_base SET payload = :p WHERE entity = :e AND row_id = :r"),
        {"p": json.dumps(values, ensure_ascii=False, sort_keys=True), "e": DOCUMENT, "r": row_id},
    )


def upgrade() -> None:
    for row_id in _ids():
        values = _payload(row_id)
        content = values.get("content") if values is not None else None
        if values is None or not isinstance(content, str) or content.startswith(DIGEST):
            continue
        try:
            raw = base64.b64decode(content.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            continue  # not bytes as a record carries them: left as it is
        _write(row_id, {**values, "content": _digest(raw)})


def downgrade() -> None:
    for row_id in _ids():
        values = _payload(row_id)
        content = values.get("content") if values is not None else None
        if values is None or not isinstance(content, str) or not content.startswith(DIGEST):
            continue
        raw = op.get_bind().scalar(
            sa.text("SELECT content FROM patient_document WHERE id = :r"), {"r": row_id}
        )
        if raw is not None and _digest(bytes(raw)) == content:
            _write(row_id, {**values, "content": base64.b64encode(bytes(raw)).decode("ascii")})
