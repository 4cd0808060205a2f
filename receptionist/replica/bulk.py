"""Applying, in bulk, the pulled records of rows this PC has never held: a first
download is 700,000 of them, and one at a time through the ORM it took hours.

A record is **new** when this PC has neither the row nor a base for it: there is
nothing to merge, so theirs is written as it is (:mod:`.apply`'s first rule). New
rows of a page are inserted with one statement per table (in the order tables refer
to each other), their bases with one more, all logged in the change feed with their
writer as origin (never echoed back); a new patient is parked, and placed in the
search index with every other at the pull's end
(:func:`~receptionist.patients.bulkindex.place_parked`).
A record whose values this PC's row already has (its own push, come back to it) only
moves the row's base on, in bulk too. Every other record goes through
:func:`.apply.apply_record`, after these.

A new row's values go from the JSON they were sealed as straight to what SQLite
stores (a time's microseconds, a date's text), on the driver itself: typing each
value and then binding it through SQLAlchemy was a third of a download's time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Dialect, Integer, String, Table
from sqlalchemy.orm import Session

from receptionist.journal import changefeed
from receptionist.models import Base, Patient, Synced, UTCDateTime
from receptionist.patients import bulkindex, erasure

from . import bulkcards
from . import held as holding
from .apply import Applied, Pulled, _plain
from .bases import payload_of_text
from .records import PURGED, _from_json, checked, completed, unknown_to_sender
from .seal import ClinicKey

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Parent = tuple[str, str, str]  # (column, the table it points at, that table's column)


@dataclass(frozen=True)
class _New:
    pulled: Pulled
    model: type[Synced]
    values: dict[str, object]  # as JSON holds them (as sealed), not typed
    plain: str  # the values' JSON as sealed (sorted keys, as encode writes it): the base


def _unwiped_erasure(model: type[Synced], values: dict[str, Any]) -> bool:
    """An erased patient's record that still holds her values (sent by an older PC)."""
    erased = model is Patient and values.get("deleted_at") is not None
    return erased and not erasure.is_wiped(values)


def apply_new(
    session: Session,
    clinic_id: str,
    keys: dict[int, ClinicKey],
    records: list[Pulled],
    applied: Applied,
) -> list[Pulled]:
    """Write the records of rows this PC never held; the others, in their order, for
    :func:`.apply.apply_record`. Tampered (and nothing written) for one that does not
    open."""
    session.flush()
    rows, held = _held(session, records)
    rest: list[Pulled] = []
    new: list[_New] = []
    same: list[_New] = []
    for pulled in records:
        key = (pulled.record.entity, pulled.record.id)
        row = rows.get(key)
        if row is not None:  # the same values here (this PC's own push, come back)?
            # Compared as JSON holds them, not typed: most of a push's round comes
            # back so (its own records), and typing each was a third of the pull.
            # (One sealed by an older version lacks columns the row has: apply_record.)
            model, raw, plain = checked(pulled.record, clinic_id, keys)
            if PURGED not in raw and raw == _plain(row):
                same.append(_New(pulled, model, raw, plain))
            else:
                rest.append(pulled)
            continue
        if key in held:
            rest.append(pulled)
            continue
        model, values, plain = checked(pulled.record, clinic_id, keys)
        held.add(key)  # a record of the same row later in the page is not new
        if values.get(PURGED) is True:
            continue  # gone, and never here: nothing to remove
        if _unwiped_erasure(model, values):
            rest.append(pulled)  # an older PC's erasure, with her values: wiped there
            continue
        if unknown_to_sender(key[0], values):  # sealed by an older version: a new row
            values = completed(key[0], values, None, typed=False)  # takes the defaults
            plain = json.dumps(values, ensure_ascii=False, sort_keys=True)
        new.append(_New(pulled, model, values, plain))
    _keep_bases(session, same)
    applied.unchanged += len(same)
    waiting = _orphans(session, new)
    if waiting:  # they wait, as apply_record's do, for their parents in a later page
        applied.held += [n.pulled for i, n in enumerate(new) if i in waiting]
        new = [n for i, n in enumerate(new) if i not in waiting]
    order = {table.name: i for i, table in enumerate(Base.metadata.sorted_tables)}
    new.sort(key=lambda n: order[n.pulled.record.entity])  # stable: page order within a table
    at = 0
    while at < len(new):
        run = _run(new, at)
        _insert(session, run)
        at += len(run)
    _keep_bases(session, new)
    applied.inserted += len(new)
    applied.inserted_rows += [(n.pulled.record.entity, n.pulled.record.id) for n in new]
    return rest


def _orphans(session: Session, new: list[_New]) -> set[int]:
    """The places in ``new`` of rows that point at a row neither this PC holds nor
    the page brings (itself placeable): the endpoint keeps each row at its newest
    sequence, so a parent edited after its child comes in a later page."""
    coming = {(n.pulled.record.entity, n.values.get("id")): i for i, n in enumerate(new)}
    asked: dict[tuple[str, str], set[object]] = {}  # (table, column): values to look up
    for n in new:
        for column, table, target in _parents(n.pulled.record.entity):
            value = n.values.get(column)
            if value is not None and (table, value) not in coming:
                asked.setdefault((table, target), set()).add(value)
    absent = {(table, value) for (table, _), values in asked.items() for value in values} - {
        (table, value)
        for (table, target), values in asked.items()
        for value in holding.present(session, table, target, values)
    }
    # Almost always every parent is here or in the page (a first download's pages come
    # parents first): then no row waits, and nothing more is asked.
    return _waiting(new, coming, absent) if absent else set()


def _waiting(
    new: list[_New], coming: dict[tuple[str, object], int], absent: set[tuple[str, object]]
) -> set[int]:
    """The places of rows pointing at an ``absent`` row, or at a row of the page that
    waits itself."""
    refs: list[tuple[int, tuple[str, object]]] = []  # (place, the row it points at)
    for i, n in enumerate(new):
        for column, table, _ in _parents(n.pulled.record.entity):
            value = n.values.get(column)
            key = (table, value)
            if value is not None and (key in absent or coming.get(key, i) != i):
                refs.append((i, key))
    bad: set[int] = set()
    changed = True
    while changed:  # a row waiting makes the rows pointing at it wait too
        changed = False
        for i, key in refs:
            if i in bad or (key in coming and coming[key] not in bad):
                continue
            bad.add(i)
            changed = True
    return bad


@cache
def _parents(entity: str) -> tuple[Parent, ...]:
    """The columns of ``entity`` that point at another row, and where."""
    table = Base.metadata.tables[entity]
    return tuple(
        (column.key, fk.column.table.name, fk.column.key)
        for column in table.columns
        for fk in column.foreign_keys
    )


def _keep_bases(session: Session, records: list[_New]) -> None:
    """The records as their rows' bases: what the endpoint holds now."""
    if not records:
        return
    holding.driver(session).executemany(
        "INSERT INTO sync_base (entity, row_id, version, payload) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (entity, row_id) DO UPDATE"
        " SET version = excluded.version, payload = excluded.payload",
        [(n.pulled.record.entity, n.pulled.record.id, n.pulled.record.version,
          payload_of_text(n.pulled.record.entity, n.plain)) for n in records],
    )  # fmt: skip


def _run(new: list[_New], at: int) -> list[_New]:
    """The records from ``at`` on of one table and one writer."""
    first = new[at]
    end = at
    while (
        end < len(new)
        and new[end].model is first.model
        and new[end].pulled.device == first.pulled.device
    ):
        end += 1
    return new[at:end]


def _insert(session: Session, run: list[_New]) -> None:
    model = run[0].model
    table: Table = model.__table__  # type: ignore[attr-defined]
    rows = [dict(n.values) for n in run]
    if model is Patient:
        bulkindex.park(session, rows)  # placed in the search index at the pull's end
    with changefeed.applying(session, run[0].pulled.device):
        _raw_insert(session, table, rows)


def _raw_insert(session: Session, table: Table, rows: list[dict[str, object]]) -> None:
    """``rows`` (values as JSON holds them) into ``table``, each value turned straight
    into what the column stores, on the driver itself."""
    raw = holding.driver(session)
    names = tuple(rows[0])
    binders = _binders(table, names, session.connection().dialect)
    columns = [
        [b(row[name]) for row in rows] if b else [row[name] for row in rows]
        for name, b in zip(names, binders, strict=True)
    ]  # column by column, then turned into rows: a generator a row cost a tenth of a pull
    params = list(zip(*columns, strict=True))
    if table.name == "appointment" and bulkcards.insert(raw, names, params):
        return
    marks = ", ".join("?" * len(names))
    raw.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", params)


Binder = Callable[[object], object]
_PLAIN = (String, Integer)  # stored as JSON holds them (Text is a String)
_BINDERS: dict[tuple[str, tuple[str, ...]], list[Binder | None]] = {}


def _binders(table: Table, names: tuple[str, ...], dialect: Dialect) -> list[Binder | None]:
    """For each of ``names``, what turns its JSON value into the stored one (None: the
    value as it is)."""
    key = (table.name, names)
    if key not in _BINDERS:
        _BINDERS[key] = [_binder(table.c[name].type, dialect) for name in names]
    return _BINDERS[key]


def _binder(column_type: object, dialect: Dialect) -> Binder | None:
    if isinstance(column_type, UTCDateTime):
        return _micros
    process = column_type.bind_processor(dialect)  # type: ignore[attr-defined]
    typed = not isinstance(column_type, _PLAIN)
    if process is None and not typed:
        return None
    if process is None:
        return lambda value: _from_json(column_type, value)
    return lambda value: process(_from_json(column_type, value))


def _micros(value: object) -> int | None:
    """A time as JSON holds it (ISO 8601), as :class:`UTCDateTime` stores it."""
    if value is None:
        return None
    found = datetime.fromisoformat(str(value))
    if found.tzinfo is None:
        found = found.replace(tzinfo=UTC)
    delta = found - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _held(
    session: Session, records: Iterable[Pulled]
) -> tuple[dict[tuple[str, str], dict[str, object]], set[tuple[str, str]]]:
    """The synced values of the records' rows this PC holds (read as plain rows: no
    ORM objects); and which it holds, or holds a base of."""
    keys = [(p.record.entity, p.record.id) for p in records]
    rows = holding.plain_rows(session, keys)
    return rows, set(holding.base_versions(session, keys)) | set(rows)


__all__ = ["apply_new"]
