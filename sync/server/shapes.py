"""Stored rows as the JSON the endpoint answers with."""

from __future__ import annotations

import json
from typing import Any, Protocol

from sqlalchemy import Row

from . import bodies


class RecordLike(Protocol):
    """A stored record: a row of ``record``, or what a push just wrote."""

    @property
    def entity(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def deleted(self) -> bool: ...
    @property
    def key_gen(self) -> int: ...
    @property
    def clear(self) -> str: ...
    @property
    def sealed(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def device_id(self) -> str: ...


def record_out(row: RecordLike | Row[Any]) -> bodies.RecordOut:
    return bodies.RecordOut(
        entity=row.entity, id=row.id, version=row.version, deleted=row.deleted,
        key_gen=row.key_gen, clear=json.loads(row.clear), sealed=row.sealed, seq=row.seq,
        device=row.device_id,
    )  # fmt: skip


def record_json(row: RecordLike | Row[Any]) -> dict[str, Any]:
    """A stored record as a conflict keeps it: as it travels, with its writer and seq."""
    return record_out(row).model_dump()


def conflict_out(row: Row[Any]) -> bodies.ConflictOut:
    return bodies.ConflictOut(
        id=row.id, kind=row.kind, entity=row.entity, row_id=row.row_id,
        records=json.loads(row.records), seq=row.seq, device=row.device_id,
        created_at=row.created_at, resolved=row.resolved_at is not None,
        resolved_at=row.resolved_at, resolved_by=row.resolved_by, resolution=row.resolution,
    )  # fmt: skip
