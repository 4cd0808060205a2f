"""Applying what the endpoint sends: records with their own ids, versions and times
(never echoed back), merged three ways with what this PC has not pushed yet.

For each pulled record, the PC compares three versions of the row: its **base** (the
row as the endpoint last had it, ``sync_base``), **mine** (the row now) and **theirs**
(the record):

- mine is the base (nothing changed here), or theirs is a tombstone (an erasure wins
  over any edit): theirs is applied as it is;
- mine and theirs agree: nothing to write, the base moves on;
- both changed: fields only one side changed are merged, and the merged row is a new
  change of this PC (pushed next, on top of theirs). A field both changed to different
  values is a clash, which a person settles: when the endpoint already holds the
  conflict, the row takes theirs (every PC then holds the same row, and the conflict
  both values); when it does not yet, the row keeps mine and its old base, so the next
  push is refused as a conflict and every PC sees it. Nothing clinical is settled by
  silent last-writer-wins.

A purged record removes the row. Conflicts the endpoint recorded are kept in
``sync_conflict``; the records they hold are applied like any other (a booking the
endpoint refused as a double booking reaches every PC, so all hold both bookings
until a person decides).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from receptionist.journal import changefeed
from receptionist.models import FreedSlot, Patient, SyncBase, SyncConflict, Synced
from receptionist.patients import erasure
from receptionist.patients.searchindex import index_patient, unindex_patient

from .bases import kept, payload, said, without_digests
from .records import (
    PURGED,
    Record,
    _from_json,
    _to_json,
    completed,
    decode,
    unknown_to_sender,
    values_of,
)
from .seal import ClinicKey

ENDPOINT = "endpoint"  # the origin of a record whose writer the endpoint did not say
STAMPS = frozenset({"version", "updated_at", "created_at"})  # not data: never merged


@dataclass
class Applied:
    """What one pull did to this PC's file."""

    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    merged: int = 0
    unchanged: int = 0
    clashes: list[tuple[str, str]] = field(default_factory=list)  # (entity, id) kept for a person
    merged_rows: list[tuple[str, str]] = field(default_factory=list)  # merged, pushed next
    inserted_rows: list[tuple[str, str]] = field(default_factory=list)  # new on this PC
    settled: list[str] = field(default_factory=list)  # the endpoint's conflicts a merge settled
    held: list[Pulled] = field(default_factory=list)  # waiting for a row they point at
    erased: int = 0  # rows of an erased patient removed here (``replica.erased``)


@dataclass(frozen=True)
class Pulled:
    """A record as the endpoint sends it on pull: the record, who wrote it."""

    record: Record
    device: str
    # A booking the endpoint refused (from an overlap conflict): the endpoint does not
    # hold it, so it is this PC's base at version 0, and a change of it is a new row.
    refused: bool = False


@dataclass(frozen=True)
class PulledConflict:
    id: str
    kind: str
    entity: str
    row_id: str
    records: list[Record]
    created_at: datetime
    resolved: bool = False
    devices: tuple[str, ...] = ()  # the device that wrote each record ("" unknown)
    resolved_at: datetime | None = None
    resolution: str = ""  # the endpoint's code, once resolved


@dataclass(frozen=True)
class DeviceName:
    """A device of the clinic as people know it: the name and code it joined with."""

    name: str
    code: str


def _plain(values: dict[str, object]) -> dict[str, object]:
    """Values as JSON holds them, so two of them compare by what they say."""
    return {k: _to_json(v) for k, v in values.items()}


def merge3(
    base: dict[str, object],
    mine: dict[str, object],
    theirs: dict[str, object],
    entity: str = "",
) -> tuple[dict[str, object], list[str]]:
    """Mine and theirs merged field by field against base; and the fields that clash.

    ``version``, ``updated_at`` and ``created_at`` are not data: the merge keeps
    theirs (the caller stamps the merged row). Values compare as the base of
    ``entity`` keeps them (a document's bytes by their digest, :mod:`.bases`)."""
    merged: dict[str, object] = dict(theirs)
    clashes: list[str] = []
    for name in set(mine) | set(theirs):
        if name in STAMPS:
            continue
        b, m, t = (said(entity, name, _to_json(v.get(name))) for v in (base, mine, theirs))
        if m in (t, b):
            continue  # same on both sides, or only theirs changed: theirs stands
        if t == b:
            merged[name] = mine.get(name)  # only mine changed
        else:
            clashes.append(name)
    return merged, sorted(clashes)


def _base(session: Session, entity: str, row_id: str) -> SyncBase | None:
    return session.get(SyncBase, (entity, row_id))


def set_base(
    session: Session, entity: str, row_id: str, version: int, values: dict[str, object]
) -> None:
    kept = payload(entity, _plain(values))  # a document's bytes as their digest
    session.merge(SyncBase(entity=entity, row_id=row_id, version=version, payload=kept))


def _write_theirs(
    session: Session, model: type[Synced], theirs: dict[str, object], origin: str
) -> Synced:
    """Theirs written as it is (its id, version and times), logged with its origin."""
    with changefeed.applying(session, origin):
        row = session.get(model, theirs["id"])
        if row is None:
            row = model(**theirs)
            if not isinstance(row, Patient):
                session.add(row)
        else:
            for name, value in theirs.items():
                setattr(row, name, value)
        if isinstance(row, Patient):
            index_patient(session, row)  # places a new one (and adds it), or refreshes
            if row.deleted_at is not None or row.anonymised:
                # Erased, or anonymised by a sweep (retention/anonymise.py): nothing of
                # her in the index, nor in what left the clinic.
                unindex_patient(session, row)
                erasure.forget_sent(session, [row.id])
            if row.anonymised:
                # The times freed here that name her, as her anonymisation forgets them
                # where it is made (``retention.sweep.forget_chosen``).
                session.execute(delete(FreedSlot).where(FreedSlot.patient_id == row.id))
        session.flush()
    return row


def _purge(session: Session, model: type[Synced], row_id: str, origin: str) -> bool:
    row = session.get(model, row_id)
    if row is None:
        return False
    with changefeed.applying(session, origin):
        if isinstance(row, Patient):
            unindex_patient(session, row)
            erasure.forget_sent(session, [row.id])
        session.delete(row)
        session.flush()
        if isinstance(row, Patient):
            # The times her appointments freed here name her: those her cancellations
            # freed, and those the purges of her swept appointments freed on this PC
            # (the sweep's own PC writes none; its sweep removes the rest with her).
            session.execute(delete(FreedSlot).where(FreedSlot.patient_id == row_id))
    return True


def apply_record(
    session: Session,
    clinic_id: str,
    keys: dict[int, ClinicKey],
    pulled: Pulled,
    applied: Applied,
    *,
    conflicted: frozenset[tuple[str, str]] = frozenset(),
) -> None:
    """Apply one pulled record (see the module's rules) in the caller's transaction.
    ``conflicted`` are the rows the endpoint holds an open conflict for. A refused
    record (``pulled.refused``: a booking the endpoint refused as a double booking) is
    applied, but the base keeps the version the endpoint holds (0: none), so that the
    PC that settles the conflict pushes its change as the endpoint expects it."""
    record = pulled.record
    model, theirs = decode(record, clinic_id, keys)
    entity, row_id = record.entity, record.id
    if theirs.pop(PURGED, False):
        applied.deleted += _purge(session, model, row_id, pulled.device)
        session.execute(
            delete(SyncBase).where(SyncBase.entity == entity, SyncBase.row_id == row_id)
        )
        return
    row = session.get(model, row_id)
    base = _base(session, entity, row_id)
    unknown = unknown_to_sender(entity, theirs)  # its sealer's version lacks them
    if unknown:
        theirs = completed(entity, theirs, _as_sent_over(model, base, row))
    if model is Patient and theirs.get("deleted_at") is not None:
        theirs = erasure.wiped(theirs)  # erased: nothing of her is kept (older PCs sent it)
    elif isinstance(row, Patient) and row.deleted_at is not None:
        applied.unchanged += 1  # an edit of a patient erased here: the erasure wins
        return
    elif isinstance(row, Patient) and row.anonymised and theirs.get("anonymised_at") is None:
        # An edit of a patient anonymised here (the retention sweep): the anonymisation
        # wins. The base takes the endpoint's version (with her anonymised values) and
        # the row a newer one, a change of this PC's: its next push goes over the edit.
        applied.unchanged += 1
        set_base(session, entity, row_id, record.version, values_of(row))
        row.version = max(row.version, record.version) + 1
        return
    elif row is not None and not record.deleted and erasure.removal_wins(session, row):
        applied.unchanged += 1  # a row of hers (or a document) wiped as it was removed here
        return
    if _waits_for_parent(session, model, theirs, row):
        applied.held.append(pulled)
        return
    if row is not None and _is_base(base, record.version, theirs):
        applied.unchanged += 1  # pulled again (a pull resumed): nothing new
        return
    if row is None:
        _write_theirs(session, model, theirs, pulled.device)
        applied.inserted += 1
        applied.inserted_rows.append((entity, row_id))
    else:
        mine = values_of(row)
        if _plain(mine) == _plain(theirs):
            applied.unchanged += 1
        elif record.deleted or _anonymised(model, theirs) or _untouched(base, mine, row.version):
            # Nothing changed here, or an erasure or a sweep's anonymisation: it wins
            # over any edit, and over this PC's own tombstone (the endpoint dropped it,
            # holding another).
            _write_theirs(session, model, theirs, pulled.device)
            applied.updated += 1
        elif not _merged(
            session, row, base, (mine, theirs), (entity, row_id) in conflicted, applied, unknown
        ):
            return  # a clash the endpoint has not seen yet: mine and the old base stay
    if not pulled.refused:
        set_base(session, entity, row_id, record.version, theirs)
    elif base is None:
        set_base(session, entity, row_id, 0, theirs)


def _anonymised(model: type[Synced], theirs: dict[str, object]) -> bool:
    """Whether ``theirs`` is a patient the retention sweep anonymised: nothing of her
    that an edit here holds may stay (``retention/anonymise.py``)."""
    return model is Patient and theirs.get("anonymised_at") is not None


def _as_base(mine: dict[str, object], base: SyncBase) -> bool:
    """Whether this PC's row says what its base says (its stamps aside): nothing was
    changed here, so theirs replaces it (a refused booking another PC settled)."""
    before = kept(base.entity, json.loads(base.payload))
    now = kept(base.entity, _plain(mine))
    return {k: v for k, v in now.items() if k not in STAMPS} == {
        k: v for k, v in before.items() if k not in STAMPS
    }


def _untouched(base: SyncBase | None, mine: dict[str, object], version: int) -> bool:
    """Whether this PC's row is its base: nothing changed here."""
    if base is None:
        return False
    if base.version == 0:  # a refused booking: no version of the endpoint's to compare
        return _as_base(mine, base)
    return base.version == version


def _waits_for_parent(
    session: Session, model: type[Synced], theirs: dict[str, object], row: Synced | None
) -> bool:
    """Whether ``theirs`` points at a row this PC does not have yet. The endpoint keeps
    each row's newest record at its newest sequence, so a patient edited after a
    booking comes after the booking; the booking waits for it. A reference ``row``
    (this PC's copy) holds already is not looked up: the row it names is here."""
    for column, target in _references(model):
        value = theirs.get(column)
        if value is None or (row is not None and getattr(row, column) == value):
            continue
        if session.execute(select(target).where(target == value)).first() is None:
            return True
    return False


def _references(model: type[Synced]) -> list[tuple[str, Any]]:
    """The columns of ``model`` that point at another row, and the column they name."""
    table = model.__table__  # type: ignore[attr-defined]
    return [(c.key, fk.column) for c in table.columns for fk in c.foreign_keys]


def _is_base(base: SyncBase | None, version: int, theirs: dict[str, object]) -> bool:
    """Whether ``theirs`` is the record this PC holds as its base already."""
    if base is None or base.version != version:
        return False
    entity = base.entity
    return kept(entity, json.loads(base.payload)) == kept(entity, _plain(theirs))


def _as_sent_over(
    model: type[Synced], base: SyncBase | None, row: Synced | None
) -> dict[str, object] | None:
    """The row as a record from a PC of an older version was sealed over (its columns
    that PC does not know, :func:`.records.completed`): the endpoint's row as this PC
    last had it (its base), else this PC's row; None for a row new here. A change of
    such a column made here and not pushed yet is then mine alone, merged and pushed."""
    if base is not None:
        entity = model.__tablename__  # type: ignore[attr-defined]
        return _typed(model, without_digests(entity, _base_values(entity, base)))
    return values_of(row) if row is not None else None


def _base_values(entity: str, base: SyncBase) -> dict[str, object]:
    """A base's values as JSON holds them; one kept before this PC's migration that
    added a column says the migration's value for it, as the row took then."""
    return completed(entity, json.loads(base.payload), None, typed=False)


def _merged(
    session: Session,
    row: Synced,
    base: SyncBase | None,
    sides: tuple[dict[str, object], dict[str, object]],
    endpoint_knows: bool,
    applied: Applied,
    unknown: list[str],
) -> bool:
    """Both sides changed the row: merge, or keep the clash for a person. False when
    the row keeps mine and its old base (the endpoint has not seen the clash yet).
    ``unknown``: the columns theirs was sealed without (:func:`_as_sent_over`)."""
    mine, theirs = sides
    entity = type(row).__tablename__  # type: ignore[attr-defined]
    before = _base_values(entity, base) if base is not None else {}
    merged, clashes = merge3(before, _plain(mine), _plain(theirs), entity)
    if clashes:
        applied.clashes.append((entity, row.id))
        if not endpoint_knows:
            return False
        _write_theirs(session, type(row), theirs, ENDPOINT)
        # A column its sender did not know is no part of the clash: a change of it
        # made here (a restriction) stays, and is pushed on top of theirs.
        kept = {n: mine[n] for n in unknown if _plain({n: mine[n]}) != _plain({n: theirs[n]})}
        if kept:
            _stamp_over(session, row, _plain(kept), theirs)
        return True
    _stamp_over(session, row, merged, theirs)
    applied.merged += 1
    applied.merged_rows.append((entity, row.id))
    return True


def _stamp_over(
    session: Session, row: Synced, values: dict[str, object], theirs: dict[str, object]
) -> None:
    """``values`` (as JSON holds them) written on ``row`` as a new change of this PC, on
    top of theirs: it is pushed next."""
    typed = _typed(type(row), values)
    for name, value in typed.items():
        if name not in ("id", "created_at", "version", "updated_at"):
            setattr(row, name, value)
    their_version, their_time = theirs["version"], theirs["updated_at"]
    assert isinstance(their_version, int) and isinstance(their_time, datetime)
    row.version = max(their_version, row.version) + 1
    row.updated_at = max(row.updated_at, their_time)
    session.flush()
    if isinstance(row, Patient):
        index_patient(session, row)


def _typed(model: type[Synced], plain: dict[str, object]) -> dict[str, object]:
    types = {c.key: c.columns[0].type for c in model.__mapper__.column_attrs}  # type: ignore[attr-defined]
    return {k: _from_json(types[k], v) for k, v in plain.items() if k in types}


def keep_conflicts(
    session: Session,
    conflicts: Iterable[PulledConflict],
    names: Mapping[str, DeviceName] | None = None,
) -> None:
    """The endpoint's conflicts, as this PC knows them: each record kept with the id,
    name and code of the device that wrote it (``names``: the clinic's devices, as the
    endpoint last listed them), so a person reads who booked what with no network.

    A conflict resolved here and not yet sent stays resolved (and a call noted here
    stays noted) when the endpoint sends it again still open."""
    for c in conflicts:
        known = session.get(SyncConflict, c.id)
        row = known or SyncConflict(id=c.id)
        row.kind, row.entity, row.row_id, row.created_at = c.kind, c.entity, c.row_id, c.created_at
        row.records = json.dumps(_with_devices(c, names or {}))
        if c.resolved:
            row.resolved_at = c.resolved_at or c.created_at
            row.resolution, row.unsent = c.resolution or "resolved", False
        elif known is None:
            row.resolved_at, row.resolution, row.unsent = None, "", False
        if known is None:
            session.add(row)


def _with_devices(c: PulledConflict, names: Mapping[str, DeviceName]) -> list[dict[str, Any]]:
    kept = []
    for i, record in enumerate(c.records):
        device = c.devices[i] if i < len(c.devices) else ""
        named = names.get(device)
        kept.append(
            {
                **record.to_json(),
                "device": device,
                "device_name": named.name if named else "",
                "device_code": named.code if named else "",
            }
        )
    return kept


def conflict_rows(conflicts: Iterable[PulledConflict]) -> frozenset[tuple[str, str]]:
    return frozenset((c.entity, c.row_id) for c in conflicts if not c.resolved)


def decoded_values(
    session: Session, record: Record, clinic_id: str, keys: dict[int, ClinicKey]
) -> dict[str, Any]:
    """A record's values, for showing a conflict (both sides) to a person, and for
    settling it. A column its sealer's version did not know reads as this PC's row
    has it (as the migration made it, for a row not here): that side has no say on
    it, so choosing that side leaves it as it is (a restriction stays)."""
    model, values = decode(record, clinic_id, keys)
    row = session.get(model, record.id)
    return completed(record.entity, values, values_of(row) if row is not None else None)
