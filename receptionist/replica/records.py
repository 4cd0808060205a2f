"""A synced row as it travels: its identity and version in the clear, its values sealed.

:func:`encode` turns a row of this PC into a :class:`Record`; :func:`decode` opens a
record from the endpoint into the values ``changefeed.upsert`` writes, refusing one
that does not open, or whose clear routing fields say something its sealed values do
not. Values are JSON: times and dates as ISO 8601, bytes as base64.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, Date, LargeBinary

from receptionist.journal.changefeed import synced_columns, synced_tables
from receptionist.models import Synced, UTCDateTime
from receptionist.texts import QT_TRANSLATE_NOOP, Text

from .seal import ClinicKey, Place, Tampered, open_sealed, seal

PURGED = "purged"  # in a payload: the row is gone, only its id and version travel
# In a document's payload: its bytes travel beside it in sealed chunks (``.chunks``),
# {"count": chunks, "size": bytes}; its ``content`` is then empty.
CHUNKED = "chunked"
DOCUMENT = "patient_document"
CHUNK_BYTES = 4 * 1024 * 1024  # a document's bytes a chunk (over this, they go chunked)

# What the server may see of each entity (to order, route and check); all else sealed.
ROUTING: dict[str, tuple[str, ...]] = {
    "appointment": ("provider_id", "room_id", "service_id", "start_utc", "end_utc", "status"),
}


@dataclass(frozen=True)
class Added:
    """A synced column a migration added after its table's records began to travel
    (0013, or later where the table's change feed began later: holds at 0020): which
    migration, and the value a row took from it, as JSON holds it. A test takes the
    file down one migration at a time and fails on such a column missing here."""

    migration: str
    default: object


# Every such column. The endpoint keeps records as they were sealed (a first download
# reads them years later, and a PC not yet updated still pushes them), so a record
# without one opens; the column is not the sender's to say (:func:`completed`). A
# record with a column this PC does not know is refused: update this PC.
ADDED: dict[str, dict[str, Added]] = {
    "patient": {
        "alert": Added("0017", ""),  # a front-desk alert: none
        "restricted_at": Added("0024", None),  # restriction of processing: none
        "restriction_reason": Added("0024", ""),
        "anonymised_at": Added("0035", None),  # anonymised by a sweep: not
    },
    "communication_entry": {
        "appointment_start": Added("0028", None),  # none told
        "reason": Added("0036", ""),  # a failed message's code: its summary names it
    },
}


@dataclass(frozen=True)
class Record:
    entity: str
    id: str
    version: int
    deleted: bool
    key_gen: int
    clear: dict[str, Any]
    sealed: str

    def to_json(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "id": self.id,
            "version": self.version,
            "deleted": self.deleted,
            "key_gen": self.key_gen,
            "clear": self.clear,
            "sealed": self.sealed,
        }

    @classmethod
    def from_json(cls, data: Any) -> Record:
        """A record from JSON the endpoint sent; ValueError if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("a record is an object")
        entity, row_id, sealed = data.get("entity"), data.get("id"), data.get("sealed")
        version, key_gen, clear = data.get("version"), data.get("key_gen"), data.get("clear")
        if not (isinstance(entity, str) and isinstance(row_id, str) and isinstance(sealed, str)):
            raise ValueError("entity, id and sealed are text")
        if not (isinstance(version, int) and isinstance(key_gen, int) and isinstance(clear, dict)):
            raise ValueError("version and key_gen are whole numbers; clear is an object")
        if not (_whole(version) and _whole(key_gen)):
            raise ValueError("version and key_gen are whole numbers")
        return cls(entity, row_id, version, bool(data.get("deleted")), key_gen, clear, sealed)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _to_json(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _from_json(column_type: object, value: object) -> object:
    if value is None:
        return None
    if isinstance(column_type, UTCDateTime):
        found = datetime.fromisoformat(str(value))
        return found if found.tzinfo else found.replace(tzinfo=UTC)
    if isinstance(column_type, Date):
        return date.fromisoformat(str(value))
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(str(value).encode("ascii"))
    if isinstance(column_type, JSON):
        return value
    return value


def values_of(row: Synced) -> dict[str, object]:
    """The row's synced values (local copies left out)."""
    return {key: getattr(row, key) for key in synced_columns(type(row))}


def encode(row: Synced, clinic_id: str, key: ClinicKey) -> Record:
    """``row`` as a record: its values sealed for its place, its routing fields clear."""
    entity = type(row).__tablename__  # type: ignore[attr-defined]
    values = {k: _to_json(v) for k, v in values_of(row).items()}
    content = getattr(row, "content", b"") if entity == DOCUMENT else b""
    if len(content) > CHUNK_BYTES:
        values["content"] = ""
        values[CHUNKED] = {"count": -(-len(content) // CHUNK_BYTES), "size": len(content)}
    plaintext = json.dumps(values, ensure_ascii=False, sort_keys=True).encode("utf-8")
    place = Place(clinic_id, entity, row.id, row.version)
    clear = {field: values[field] for field in ROUTING.get(entity, ())}
    if entity == "appointment":
        clear["override"] = bool(values.get("override_reason"))
    return Record(
        entity, row.id, row.version, row.deleted_at is not None, key.generation, clear,
        seal(key, place, plaintext),
    )  # fmt: skip


def tombstone(
    entity: str, row_id: str, version: int, at: datetime, clinic_id: str, key: ClinicKey,
    clear: dict[str, Any] | None = None,
) -> Record:  # fmt: skip
    """The record of a row that is gone from this PC (purged): its id, last version and
    when it went, sealed like any other; ``clear``, the routing fields it had (an
    appointment's, which the endpoint checks: ``replica.gone``)."""
    values = {"id": row_id, "version": version, "deleted_at": _to_json(at), PURGED: True}
    plaintext = json.dumps(values, sort_keys=True).encode("utf-8")
    place = Place(clinic_id, entity, row_id, version)
    sealed = seal(key, place, plaintext)
    return Record(entity, row_id, version, True, key.generation, clear or {}, sealed)


def decode(
    record: Record, clinic_id: str, keys: dict[int, ClinicKey]
) -> tuple[type[Synced], dict[str, object]]:
    """The model and the values of ``record``, opened and checked; Tampered if not.

    A purged row's values are its id, version and ``deleted_at`` only, with
    ``"purged": True``."""
    model, values, _ = opened(record, clinic_id, keys)
    return model, values


def opened(
    record: Record, clinic_id: str, keys: dict[int, ClinicKey]
) -> tuple[type[Synced], dict[str, object], str]:
    """:func:`decode`, and the values' JSON as it was sealed."""
    model, raw, text = checked(record, clinic_id, keys)
    types = _types(record.entity)
    raw.pop(CHUNKED, None)  # the bytes are beside it: only ``.chunks.whole`` applies one
    if raw.pop(PURGED, False) is True:
        typed = {k: _from_json(types[k], v) for k, v in raw.items()}
        return model, {**typed, PURGED: True}, text
    return model, {k: _from_json(types[k], v) for k, v in raw.items()}, text


def canonical(values: dict[str, object]) -> str:
    """A row's synced values as JSON, as a record seals them: the same values give the
    same text."""
    plain = {k: _to_json(v) for k, v in values.items()}
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def checked(
    record: Record, clinic_id: str, keys: dict[int, ClinicKey]
) -> tuple[type[Synced], dict[str, Any], str]:
    """The model, the values as JSON holds them, and the JSON as it was sealed, of
    ``record``, opened and checked (Tampered if not): :func:`opened` without typing
    the values, for a caller that only compares the text."""
    model = _models().get(record.entity)
    key = keys.get(record.key_gen)
    place = Place(clinic_id, record.entity, record.id, record.version)
    if key is None:
        raise _no_key(record.entity)
    text = open_sealed(key, place, record.sealed).decode("utf-8")
    if model is None:  # opens, so a PC of the clinic sealed it: a kind made since
        raise _newer_kind(record.entity)
    raw = json.loads(text)
    if not isinstance(raw, dict) or raw.get("id") != record.id:
        raise _unusable(record.entity)
    if raw.get("version") != record.version:
        raise _unusable(record.entity)
    if (raw.get("deleted_at") is not None) != record.deleted:
        raise _unusable(record.entity)
    if raw.get(PURGED, False) is True:
        if not record.deleted or set(raw) != {"id", "version", "deleted_at", PURGED}:
            raise _unusable(record.entity)
        return model, raw, text
    for field in ROUTING.get(record.entity, ()):
        if record.clear.get(field) != raw.get(field):
            raise _unusable(record.entity)
    extra = {CHUNKED} if record.entity == DOCUMENT and _chunk_info(raw) else set()
    if set(raw) - extra - _columns(record.entity):
        raise _newer(record.entity)  # sealed whole with a column this version lacks
    if _columns(record.entity) - set(raw) - set(ADDED.get(record.entity, {})):
        raise _unusable(record.entity)
    return model, raw, text  # without the columns its sealer did not know: completed()


def unknown_to_sender(entity: str, values: Mapping[str, object]) -> list[str]:
    """The synced columns an opened record's ``values`` lack: added (:data:`ADDED`) by a
    migration its sealer's version did not have."""
    if values.get(PURGED) is True:
        return []
    return [name for name in ADDED.get(entity, {}) if name not in values]


def completed(
    entity: str,
    values: dict[str, object],
    kept: Mapping[str, object] | None,
    *,
    typed: bool = True,
) -> dict[str, object]:
    """``values`` (an opened record's) with each column its sealer did not know as
    ``kept`` holds it (this PC's values of the row, typed or as JSON as ``values``
    are), or, ``kept`` None (a row new here), as the migration made it.

    Safe by the version rules (docs/sync-protocol.md, "Across versions"): a PC refuses
    a record carrying a column it does not know, so it bases its edits only on records
    without it, and seals them without it. The endpoint takes an edit only over the
    version it was based on, or over its own device's record (a PC, once updated,
    never seals without the column again: older code refuses a newer file); else it
    keeps its record and a conflict. A tombstone goes over any version, but an erasure
    wipes the column with the rest. So a record without the column is never taken over
    one with it: its sender left the column as the migration made it, and a value this
    PC holds was set here (pushed, or to be pushed on top of it)."""
    missing = unknown_to_sender(entity, values)
    if not missing:
        return values
    added = ADDED[entity]
    types = _types(entity)
    filled = dict(values)
    for name in missing:
        if kept is not None and name in kept:
            filled[name] = kept[name]
        else:
            default = added[name].default
            filled[name] = _from_json(types[name], default) if typed else default
    return filled


def _chunk_info(raw: dict[str, Any]) -> bool:
    found = raw.get(CHUNKED)
    return (
        isinstance(found, dict) and set(found) == {"count", "size"}
        and all(_whole(v) for v in found.values())
    )  # fmt: skip


@cache
def _models() -> dict[str, type[Synced]]:
    return synced_tables()


@cache
def _types(entity: str) -> dict[str, Any]:
    model = _models()[entity]
    return {c.key: c.columns[0].type for c in model.__mapper__.column_attrs}  # type: ignore[attr-defined]


@cache
def _columns(entity: str) -> frozenset[str]:
    return frozenset(synced_columns(_models()[entity]))


def _no_key(entity: str) -> Tampered:
    return Tampered(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A {entity} record from the cloud endpoint is sealed with a clinic key this "
                "PC does not hold (the key was rotated). Nothing of it was applied; sync "
                "again, and if this PC was revoked, ask an administrator to invite it again.",
            ),
            entity=entity,
        )
    )


def _newer(entity: str) -> Tampered:
    return Tampered(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A {entity} record from the cloud endpoint was sealed by a newer version of "
                "Receptionist: it holds a field this version does not know. Nothing of it "
                "was applied; update Receptionist on this PC, then sync again.",
            ),
            entity=entity,
        )
    )


def _newer_kind(entity: str) -> Tampered:
    """A record of a kind (a table) this version does not know, sealed by a PC of the
    clinic: a newer version made it. The whole page waits, so nothing is lost: once
    this PC is updated, its next pull applies it (docs/sync-protocol.md, "Across
    versions")."""
    return Tampered(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A {entity} record from the cloud endpoint was sealed by a newer version of "
                "Receptionist: this version does not know that kind of record. Nothing more "
                "is applied on this PC until it is updated: update Receptionist on this PC, "
                "then sync again.",
            ),
            entity=entity,
        )
    )


def _unusable(entity: str) -> Tampered:
    return Tampered(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "A {entity} record from the cloud endpoint says something its sealed values "
                "do not (or this version does not know it). Nothing of it was applied; tell "
                "the endpoint's operator, and update Receptionist on every PC.",
            ),
            entity=entity,
        )
    )


def live_rows(session: Any, model: type[Synced], page: int = 500) -> Any:
    """Every row of ``model`` (tombstones included), in pages of ``page``, by id."""
    last = ""
    while True:
        rows = session.query(model).filter(model.id > last).order_by(model.id).limit(page).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id
