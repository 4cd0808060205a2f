"""A large document's bytes, in sealed chunks beside its record (docs/sync-protocol.md,
"Large documents").

``PUT /v1/chunks`` keeps one chunk (the PC sends them all before the push that
carries the record); ``GET /v1/chunks`` gives one back. The endpoint checks what it
can see (the entity is one the PCs sync, the index is below the count) and keeps the
sealed text as it came: each chunk is sealed by the PC with the clinic key and bound
to the clinic, the row, its version, the chunk's index and count, so a chunk moved,
swapped or replayed does not open.

A newer version's chunks do not drop the older version's: until the push that
carries the newer record is accepted, the endpoint holds the older record, and every
PC that pulls it must find its chunks (a PC may stop between its chunks and its
push: a crash, a lost answer, an outage). Chunks go once no PC can pull them: those
of a row whose record the endpoint holds deleted or at a newer version, dropped by
the push that moves the record on, in its transaction (:func:`drop_stale`), and by
a chunk of the row stored after it; a purge of tombstones drops those of the rows it purges
(``push.purge``).

Chunks no record claims (of a row and version whose record never came: a PC stopped
before its push, or a broken or hostile device) are bounded (:class:`Unclaimed`):
a device may park at most ``limit`` bytes of them besides the document it is sending,
and that document's own chunks at most ``document`` bytes (a chunk past either is
refused, ``413 chunks_unclaimed``, nothing written): a PC's upload in flight, sent
again after a lost answer, is not counted against itself, and a device parks at most
``limit`` plus one document. The clinic's unclaimed chunks that are older than
``age`` go at its next chunk stored (:func:`drop_unclaimed`: chunks only grow by
being stored, so pushes are spared the look). A PC sends its chunks again before
every push of its batch, so one dropped meanwhile comes back. A chunk is marked
``claimed`` when the live record of its row and version is held (when stored, or by
the push that brings the record: :func:`claim`), and both bounds read partial
indexes over the unclaimed chunks only (``ix_chunk_unclaimed``, ``ix_chunk_device``)
and each chunk's ``size``: never the sealed text, nor the clinic's claimed chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Connection,
    Delete,
    Select,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    not_,
    or_,
    select,
    true,
    update,
)

from receptionist.clock import Clock
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from . import destroyed
from .auth import Caller
from .bodies import Positive, RowId, Strict
from .incoming import entities
from .problems import ApiError, bad_request, not_found, unknown_entity
from .schema import chunk, record
from .store import Store, lock_clinic

DOCUMENT = "patient_document"
MAX_CHUNKS = 64  # 64 chunks of 4 MB: more than any document a PC keeps
Entity = Annotated[str, Field(min_length=1, max_length=32)]
Index = Annotated[int, Field(ge=0, lt=MAX_CHUNKS)]
_LOOKUP = 500  # ids a statement
Count = Annotated[int, Field(ge=1, le=MAX_CHUNKS)]
MB = 1024 * 1024
STALE = "record deleted or newer"  # the destruction records' rule for stale chunks


@dataclass(frozen=True)
class Unclaimed:
    """The bounds on chunks no record claims: the bytes of sealed text a device may
    park besides the document it is sending, how long any are kept, and the bytes of
    that one document (a 25 MB document, the largest a PC keeps, is about 34 MB
    sealed)."""

    limit: int = 256 * MB
    age: timedelta = timedelta(days=1)
    document: int = 48 * MB


class ChunkIn(Strict):
    entity: Entity
    id: RowId
    version: Positive
    index: Index
    count: Count
    key_gen: Positive
    sealed: Annotated[str, Field(min_length=1)]


class ChunkOut(BaseModel):
    entity: str
    id: str
    version: int
    index: int
    count: int
    key_gen: int
    sealed: str
    created_at: datetime


def put(
    store: Store, who: Caller, body: ChunkIn, clock: Clock, bounds: Unclaimed | None = None
) -> ChunkOut:
    if body.entity not in entities():
        raise unknown_entity("entity")
    if body.entity != DOCUMENT:  # kept, it would never be dropped (see drop_stale)
        raise bad_request("entity", "only a patient_document's bytes travel in chunks")
    if body.index >= body.count:
        raise bad_request("index", "a chunk's index must be below its count")
    now = clock.now()
    row = _row(who, body.entity, body.id)
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        place = and_(row, chunk.c.version == body.version, chunk.c.idx == body.index)
        if _held_for_another(conn, who, place, body.key_gen):
            return ChunkOut(**body.model_dump(), created_at=now)  # its push is a conflict
        conn.execute(delete(chunk).where(place))
        claimed = conn.scalar(select(_held(who, body)))
        conn.execute(insert(chunk).values(
            clinic_id=who.clinic_id, entity=body.entity, row_id=body.id,
            version=body.version, idx=body.index, count=body.count, key_gen=body.key_gen,
            sealed=body.sealed, device_id=who.id, created_at=now, size=len(body.sealed.encode()),
            claimed=bool(claimed),
        ))  # fmt: skip
        # After it: a chunk sent again for a document deleted meanwhile goes at once. Only
        # this row's can have gone stale since: a push drops those of the rows it moves
        # on (drop_stale), in its transaction.
        stale = conn.execute(delete(chunk).where(row, _stale()))
        destroyed.note(conn, who.clinic_id, now, destroyed.CHUNK_STALE, stale.rowcount, STALE)
        bounds = bounds or Unclaimed()
        drop_unclaimed(conn, who.clinic_id, now, bounds.age)
        _check_unclaimed(conn, who, body, bounds)  # past a bound, rolls back: not kept
    return ChunkOut(**body.model_dump(), created_at=now)


def drop_unclaimed(conn: Connection, clinic_id: str, now: datetime, age: timedelta) -> int:
    """The clinic's chunks stored ``age`` before ``now`` that no record claims; how many
    (added to the day's destruction records). Read through ``ix_chunk_unclaimed``:
    only the unclaimed chunks that old, each checked against its record all the same
    (one found claimed is marked so, never dropped)."""
    before = now - age
    gone = int(conn.execute(unclaimed_before(clinic_id, before)).rowcount)
    conn.execute(
        update(chunk).where(*_unclaimed_before(clinic_id, before), _claimed()).values(claimed=True)
    )
    rule = f"unclaimed for {int(age.total_seconds() // 3600)} hours"
    destroyed.note(conn, clinic_id, now, destroyed.CHUNK_UNCLAIMED, gone, rule)
    return gone


def unclaimed_before(clinic_id: str, before: datetime) -> Delete:
    return delete(chunk).where(*_unclaimed_before(clinic_id, before), not_(_claimed()))


def _unclaimed_before(clinic_id: str, before: datetime) -> tuple[ColumnElement[bool], ...]:
    return chunk.c.clinic_id == clinic_id, not_(chunk.c.claimed), chunk.c.created_at < before


def _check_unclaimed(conn: Connection, who: Caller, body: ChunkIn, bounds: Unclaimed) -> None:
    """Refused when the device parks more than ``bounds.limit`` bytes of unclaimed chunks
    besides the document of ``body`` (stored before this one; before, its own document
    counted too, so an upload in flight was refused by its own chunks), or when that
    document's unclaimed chunks pass ``bounds.document``."""
    parked, own = conn.execute(
        unclaimed_bytes(who.clinic_id, who.id, body.entity, body.id, body.version)
    ).one()
    if int(parked or 0) > bounds.limit:
        raise too_many_unclaimed(bounds.limit, bounds.age)
    if int(own or 0) > bounds.document:
        raise too_many_unclaimed(bounds.document, bounds.age)


def unclaimed_bytes(
    clinic_id: str, device_id: str, entity: str = "", row_id: str = "", version: int = 0
) -> Select[int | None, int | None]:
    """SQL: the bytes of the device's chunks that no record claims, besides those of the
    document (``entity``, ``row_id``, ``version``), and that document's
    (``ix_chunk_device``, over the unclaimed chunks only)."""
    this = and_(chunk.c.entity == entity, chunk.c.row_id == row_id, chunk.c.version == version)
    return select(
        func.sum(case((this, 0), else_=chunk.c.size)),
        func.sum(case((this, chunk.c.size), else_=0)),
    ).where(chunk.c.clinic_id == clinic_id, chunk.c.device_id == device_id, not_(chunk.c.claimed))


def claim(conn: Connection, clinic_id: str, row_ids: Iterable[str]) -> int:
    """Mark the chunks of these documents (a push's) that their record now claims (the
    record of their version, live); how many."""
    ids, done = sorted(set(row_ids)), 0
    for at in range(0, len(ids), _LOOKUP):
        done += int(conn.execute(update(chunk).where(
            chunk.c.clinic_id == clinic_id, chunk.c.entity == DOCUMENT,
            chunk.c.row_id.in_(ids[at : at + _LOOKUP]), not_(chunk.c.claimed), _claimed(),
        ).values(claimed=True)).rowcount)  # fmt: skip
    return done


def too_many_unclaimed(limit: int, age: timedelta) -> ApiError:
    return ApiError(
        413,
        "chunks_unclaimed",
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "This device holds more document chunks without their record than the "
                "endpoint keeps ({limit} MB); those older than {hours} hours are cleared.",
            ),
            limit=limit // MB,
            hours=int(age.total_seconds() // 3600),
        ),
        limit=limit,
    )


def get(store: Store, who: Caller, entity: str, row_id: str, version: int, index: int) -> ChunkOut:
    with store.read() as conn:
        found = conn.execute(
            select(chunk).where(
                _row(who, entity, row_id), chunk.c.version == version, chunk.c.idx == index
            )
        ).first()
    if found is None:
        raise not_found("chunk")
    return ChunkOut(
        entity=found.entity, id=found.row_id, version=found.version, index=found.idx,
        count=found._mapping["count"], key_gen=found.key_gen, sealed=found.sealed,
        created_at=found.created_at,
    )  # fmt: skip


def drop_stale(conn: Connection, clinic_id: str, row_ids: Iterable[str], now: datetime) -> int:
    """The chunks of these documents (a push's) no PC can pull any more: their record
    deleted, or at a newer version; how many (added to the day's destruction records)."""
    ids, gone = sorted(set(row_ids)), 0
    for at in range(0, len(ids), _LOOKUP):
        gone += int(conn.execute(delete(chunk).where(
            chunk.c.clinic_id == clinic_id, chunk.c.entity == DOCUMENT,
            chunk.c.row_id.in_(ids[at : at + _LOOKUP]), _stale(),
        )).rowcount)  # fmt: skip
    destroyed.note(conn, clinic_id, now, destroyed.CHUNK_STALE, gone, STALE)
    return gone


def _stale() -> ColumnElement[bool]:
    """A chunk whose row the endpoint holds deleted, or at a newer version."""
    return exists().where(
        record.c.clinic_id == chunk.c.clinic_id, record.c.entity == chunk.c.entity,
        record.c.id == chunk.c.row_id,
        or_(record.c.deleted == true(), record.c.version > chunk.c.version),
    )  # fmt: skip


def _claimed(*more: ColumnElement[bool]) -> ColumnElement[bool]:
    """A chunk of the version of its row the endpoint holds, live: one a PC pulls."""
    return exists().where(
        record.c.clinic_id == chunk.c.clinic_id, record.c.entity == chunk.c.entity,
        record.c.id == chunk.c.row_id, record.c.version == chunk.c.version,
        record.c.deleted == false(), *more,
    )  # fmt: skip


def _held(who: Caller, body: ChunkIn) -> ColumnElement[bool]:
    """SQL: the endpoint holds the record of the chunk's row and version, live."""
    return exists().where(
        record.c.clinic_id == who.clinic_id, record.c.entity == body.entity,
        record.c.id == body.id, record.c.version == body.version, record.c.deleted == false(),
    )  # fmt: skip


def _held_for_another(
    conn: Connection, who: Caller, place: ColumnElement[bool], key_gen: int
) -> bool:
    """Whether the chunk at ``place`` is claimed by another device's record, sealed under
    ``key_gen`` or a newer generation. A chunk sent for an edit made from the same base
    on another PC (same row, version and index) must not replace it: every PC pulling
    the record would get bytes that are not its own. A re-seal (a newer generation,
    the same bytes) does replace it, and so does the record's own device."""
    held = select(chunk.c.idx).where(
        place, chunk.c.key_gen >= key_gen, _claimed(record.c.device_id != who.id)
    )
    return conn.execute(held).first() is not None


def _row(who: Caller, entity: str, row_id: str) -> ColumnElement[bool]:
    return and_(chunk.c.clinic_id == who.clinic_id, chunk.c.entity == entity,
                chunk.c.row_id == row_id)  # fmt: skip


__all__ = [
    "ChunkIn", "ChunkOut", "Unclaimed", "claim", "drop_stale", "drop_unclaimed", "get", "put",
    "too_many_unclaimed", "unclaimed_before", "unclaimed_bytes",
]  # fmt: skip
