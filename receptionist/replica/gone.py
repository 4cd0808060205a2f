"""The clear routing fields of rows this PC deleted outright (a retention sweep), for
their tombstones: the endpoint checks a deleted appointment's clear fields as any
appointment's, and keeps them with it (docs/sync-protocol.md, "Push").

A trigger (migration 0022) keeps an appointment's routing columns in ``sync_gone`` as
the row goes, whatever deleted it, unless sync is applying another PC's purge. When
it has none (a row deleted before that migration), the row's base (the row as the
endpoint last had it) serves, if this PC still holds it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from receptionist.models import SyncBase, SyncGone, from_micros

from .records import ROUTING, _to_json

Key = tuple[str, str]


def routing_of(session: Session, keys: Iterable[Key]) -> dict[Key, dict[str, Any]]:
    """The clear fields of the tombstones of ``keys`` (rows gone from this PC) that
    have routing fields, as ``records.encode`` makes them."""
    wanted = [(e, r) for e, r in keys if e in ROUTING]
    found: dict[Key, dict[str, Any]] = {}
    for entity, row_id in wanted:
        gone = session.get(SyncGone, (entity, row_id))
        if gone is not None:
            found[(entity, row_id)] = _clear(entity, json.loads(gone.clear), stored=True)
            continue
        base = session.get(SyncBase, (entity, row_id))
        if base is not None:
            found[(entity, row_id)] = _clear(entity, json.loads(base.payload), stored=False)
    return found


def forget(session: Session, keys: Iterable[Key]) -> None:
    """Their tombstones are staged: the routing fields kept for them go."""
    for entity, row_id in keys:
        session.execute(
            delete(SyncGone).where(SyncGone.entity == entity, SyncGone.row_id == row_id)
        )


def _clear(entity: str, values: dict[str, Any], *, stored: bool) -> dict[str, Any]:
    """The clear fields from a row's values: as stored (times in microseconds) or as
    JSON holds them (times in ISO 8601)."""
    clear: dict[str, Any] = {}
    for name in ROUTING[entity]:
        value = values.get(name)
        if stored and name.endswith("_utc") and isinstance(value, int):
            value = _to_json(from_micros(value))
        clear[name] = value
    clear["override"] = bool(values.get("override_reason"))
    return clear
