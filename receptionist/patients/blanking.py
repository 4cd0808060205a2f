"""A removed row emptied of what it held about the patient, and its base (``sync_base``:
the row as the endpoint last had it) likewise, so no copy of her words stays in the
file until a pull brings the row's tombstone back (or for ever, in a clinic that stops
syncing). The base keeps its version and every other value: the tombstone's push still
names the endpoint's copy it replaces, and the three-way merge still compares the
fields a removal leaves alone (docs/privacy.md, "erasure").
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from receptionist.models import SyncBase, Synced


def blank(session: Session, row: Synced, emptied: Mapping[str, Any]) -> None:
    """``row``'s fields in ``emptied`` set to their empty values, here and in its base."""
    for name, value in emptied.items():
        setattr(row, name, value)
    wipe_base(session, type(row).__tablename__, row.id, emptied)  # type: ignore[attr-defined]


def wipe_base(session: Session, entity: str, row_id: str, emptied: Mapping[str, Any]) -> None:
    """The base of ``(entity, row_id)``, if there is one, with the fields of ``emptied``
    (those it holds) set to their empty values as JSON holds them."""
    base = session.get(SyncBase, (entity, row_id))
    if base is None or not emptied:
        return
    values = json.loads(base.payload)
    if isinstance(values, dict):
        plain = {name: _plain(v) for name, v in emptied.items() if name in values}
        base.payload = json.dumps({**values, **plain}, ensure_ascii=False, sort_keys=True)


def _plain(value: object) -> object:
    """An empty value as JSON holds it: bytes as their base64 (a base's comparisons read
    that as the digest of no bytes, ``replica.bases.said``)."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value
