"""A large document's bytes, in sealed chunks beside its record (docs/sync-protocol.md,
"Large documents").

A document over :data:`~.records.CHUNK_BYTES` travels as a record whose sealed payload
has an empty ``content`` and ``"chunked": {"count", "size"}``, and as ``count``
chunks of its bytes, each sealed with the clinic key for its own place: the clinic,
the row, its version, the chunk's index and the count (:func:`place`), so a chunk
moved to another row, version or index, or swapped with another, does not open.

Pushing: the chunks are sealed when the record is staged, kept in the file
(``sync_chunk``) with the pending batch, sent (``PUT /v1/chunks``) before every push
of it, and dropped once the endpoint answered it. Pulling: :func:`wanted` says which
records need their chunks fetched (none when this PC holds the same bytes already);
:func:`whole` reassembles them, checks the bytes against the document's size and
SHA-256, and seals the whole payload again, on this PC only, for the apply that
follows, as any record of a smaller document.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from receptionist.models import PatientDocument, SyncChunk, Synced, SyncPending
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .records import CHUNK_BYTES, CHUNKED, DOCUMENT, Record, checked, encode
from .seal import ClinicKey, Place, Tampered, open_sealed, seal


@dataclass(frozen=True)
class Chunk:
    """One sealed chunk as it travels."""

    entity: str
    id: str
    version: int
    index: int
    count: int
    key_gen: int
    sealed: str

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity, "id": self.id, "version": self.version,
            "index": self.index, "count": self.count, "key_gen": self.key_gen,
            "sealed": self.sealed,
        }  # fmt: skip


@dataclass(frozen=True)
class Wanted:
    """A pulled record whose bytes are to be fetched: which chunks."""

    entity: str
    id: str
    version: int
    count: int


def place(clinic_id: str, entity: str, row_id: str, version: int, index: int, count: int) -> Place:
    """Where a chunk belongs: its row and version, its index among ``count``."""
    return Place(clinic_id, f"{entity}#chunk:{index}/{count}", row_id, version)


def encode_staged(session: Session, row: Synced, clinic_id: str, key: ClinicKey) -> Record:
    """``row`` as a record (:func:`~.records.encode`); a large document's chunks sealed
    and kept with it, to go before the push that carries it."""
    record = encode(row, clinic_id, key)
    content = getattr(row, "content", b"") if record.entity == DOCUMENT else b""
    if len(content) <= CHUNK_BYTES:
        return record
    parts = [content[at : at + CHUNK_BYTES] for at in range(0, len(content), CHUNK_BYTES)]
    session.execute(delete(SyncChunk).where(
        SyncChunk.entity == record.entity, SyncChunk.row_id == record.id))  # fmt: skip
    for index, part in enumerate(parts):
        where = place(clinic_id, record.entity, record.id, record.version, index, len(parts))
        session.add(SyncChunk(
            entity=record.entity, row_id=record.id, version=record.version, idx=index,
            count=len(parts), key_gen=key.generation, sealed=seal(key, where, part),
        ))  # fmt: skip
    session.flush()
    return record


def outgoing(session: Session, records: Iterable[Record]) -> list[Chunk]:
    """The chunks kept for these records (the pending batch), to send before it."""
    found: list[Chunk] = []
    for record in records:
        if record.entity != DOCUMENT:
            continue
        rows = session.scalars(select(SyncChunk).where(
            SyncChunk.entity == record.entity, SyncChunk.row_id == record.id,
            SyncChunk.version == record.version).order_by(SyncChunk.idx))  # fmt: skip
        found += [
            Chunk(r.entity, r.row_id, r.version, r.idx, r.count, r.key_gen, r.sealed) for r in rows
        ]
    return found


def forget_sent(session: Session) -> None:
    """The chunks of records no longer pending (the endpoint answered them)."""
    pending = exists().where(
        SyncPending.entity == SyncChunk.entity, SyncPending.row_id == SyncChunk.row_id
    )
    session.execute(delete(SyncChunk).where(~pending))


def wanted(
    session: Session, clinic_id: str, keys: dict[int, ClinicKey], records: Iterable[Record]
) -> tuple[list[Wanted], dict[tuple[str, str], bytes]]:
    """The chunked records of a page whose bytes must be fetched; and the bytes this
    PC holds already for the others (its own document, come back)."""
    fetch: list[Wanted] = []
    here: dict[tuple[str, str], bytes] = {}
    for record in records:
        info = _info(record, clinic_id, keys)
        if info is None:
            continue
        raw, count, size = info
        row = session.get(PatientDocument, record.id)
        if row is not None and len(row.content) == size and row.sha256 == raw.get("sha256"):
            here[(record.entity, record.id)] = bytes(row.content)
        else:
            fetch.append(Wanted(record.entity, record.id, record.version, count))
    return fetch, here


def chunked(record: Record, clinic_id: str, keys: dict[int, ClinicKey]) -> Wanted | None:
    """The chunks of ``record`` when it is a live document whose bytes travel beside it
    (a key rotation seals them again, ``.rotate.reseal_chunk``); else None."""
    info = _info(record, clinic_id, keys)
    if info is None:
        return None
    return Wanted(record.entity, record.id, record.version, info[1])


def whole(
    record: Record,
    clinic_id: str,
    keys: dict[int, ClinicKey],
    content: bytes | None = None,
    sealed_chunks: Sequence[tuple[int, str]] = (),
) -> Record:
    """``record`` with its bytes in its payload, sealed again on this PC for the apply:
    from ``content`` (this PC's copy) or ``sealed_chunks`` ((key generation, sealed)
    in index order, as fetched). Tampered when a chunk does not open or the bytes are
    not the document's (its size and SHA-256)."""
    info = _info(record, clinic_id, keys)
    if info is None:
        return record
    raw, count, size = info
    if content is None:
        if len(sealed_chunks) != count:
            raise _bad()
        content = b"".join(
            open_sealed(_key(keys, gen), place(clinic_id, record.entity, record.id,
                                               record.version, i, count), sealed)
            for i, (gen, sealed) in enumerate(sealed_chunks)
        )  # fmt: skip
    if len(content) != size or hashlib.sha256(content).hexdigest() != raw.get("sha256"):
        raise _bad()
    raw.pop(CHUNKED)
    raw["content"] = base64.b64encode(content).decode("ascii")
    plaintext = json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8")
    key = _key(keys, record.key_gen)
    resealed = seal(key, Place(clinic_id, record.entity, record.id, record.version), plaintext)
    return Record(
        record.entity, record.id, record.version, record.deleted, record.key_gen,
        record.clear, resealed,
    )  # fmt: skip


def _info(
    record: Record, clinic_id: str, keys: dict[int, ClinicKey]
) -> tuple[dict[str, Any], int, int] | None:
    """The opened payload, chunk count and size of a chunked document record."""
    if record.entity != DOCUMENT or record.deleted:
        return None
    _, raw, _ = checked(record, clinic_id, keys)
    found = raw.get(CHUNKED)
    if not isinstance(found, dict):
        return None
    return raw, int(found["count"]), int(found["size"])


def _key(keys: dict[int, ClinicKey], generation: int) -> ClinicKey:
    key = keys.get(generation)
    if key is None:
        raise _bad()
    return key


def _bad() -> Tampered:
    return Tampered(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A document's bytes from the cloud endpoint do not open with the clinic key "
                "or are not the document's: they were changed, moved or cut there. Nothing "
                "of it was applied; tell the endpoint's operator.",
            )
        )
    )
