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
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Column, Table, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from receptionist.journal import changefeed
from receptionist.models import Base, Patient, SyncBase, Synced
from receptionist.patients import bulkindex

from .apply import Applied, Pulled, _plain
from .records import PURGED, checked, opened
from .seal import ClinicKey

_LOOKUP = 500  # ids per look-up of what this PC already holds


@dataclass(frozen=True)
class _New:
    pulled: Pulled
    model: type[Synced]
    values: dict[str, object]
    plain: str  # the values' JSON as sealed (sorted keys, as encode writes it): the base


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
            model, raw, plain = checked(pulled.record, clinic_id, keys)
            if PURGED not in raw and raw == _plain(row):
                same.append(_New(pulled, model, raw, plain))
            else:
                rest.append(pulled)
            continue
        if key in held:
            rest.append(pulled)
            continue
        model, values, plain = opened(pulled.record, clinic_id, keys)
        held.add(key)  # a record of the same row later in the page is not new
        if values.pop(PURGED, False):
            continue  # gone, and never here: nothing to remove
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
    refs: list[tuple[int, Column[object], object]] = []
    for i, n in enumerate(new):
        for column in n.model.__table__.columns:  # type: ignore[attr-defined]
            value = n.values.get(column.key)
            for fk in column.foreign_keys if value is not None else ():
                refs.append((i, fk.column, value))
    if not refs:
        return set()
    coming = {(n.pulled.record.entity, n.values.get("id")): i for i, n in enumerate(new)}
    asked: dict[Column[object], set[object]] = {}
    for _i, target, value in refs:
        if (target.table.name, value) not in coming:
            asked.setdefault(target, set()).add(value)
    present: set[tuple[str, object]] = set()
    for target, values in asked.items():
        listed = list(values)
        for at in range(0, len(listed), _LOOKUP):
            found = session.scalars(select(target).where(target.in_(listed[at : at + _LOOKUP])))
            present.update((target.table.name, v) for v in found)
    bad: set[int] = set()
    changed = True
    while changed:  # a row waiting makes the rows pointing at it wait too
        changed = False
        for i, target, value in refs:
            key = (target.table.name, value)
            if i in bad or key in present:
                continue
            if key in coming and coming[key] not in bad:
                continue
            bad.add(i)
            changed = True
    return bad


def _keep_bases(session: Session, records: list[_New]) -> None:
    """The records as their rows' bases: what the endpoint holds now."""
    if not records:
        return
    upsert = sqlite_insert(SyncBase)
    upsert = upsert.on_conflict_do_update(
        index_elements=["entity", "row_id"],
        set_={"version": upsert.excluded.version, "payload": upsert.excluded.payload},
    )
    session.execute(
        upsert,
        [{"entity": n.pulled.record.entity, "row_id": n.pulled.record.id,
          "version": n.pulled.record.version,
          "payload": n.plain}
         for n in records],
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
    """``rows`` into ``table``, through each column type's bind processing but on the
    driver itself: SQLAlchemy's per-row work was a third of a download's time."""
    conn = session.connection()
    names = list(rows[0])
    processors = [table.c[name].type.bind_processor(conn.dialect) for name in names]
    params = [
        tuple(p(row[name]) if p else row[name] for name, p in zip(names, processors, strict=True))
        for row in rows
    ]
    raw = conn.connection.driver_connection
    assert raw is not None
    marks = ", ".join("?" * len(names))
    raw.executemany(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})", params)


def _held(
    session: Session, records: Iterable[Pulled]
) -> tuple[dict[tuple[str, str], dict[str, object]], set[tuple[str, str]]]:
    """The synced values of the records' rows this PC holds (read as plain rows: no
    ORM objects); and which it holds, or holds a base of."""
    wanted: dict[str, list[str]] = {}
    for pulled in records:
        wanted.setdefault(pulled.record.entity, []).append(pulled.record.id)
    models = changefeed.synced_tables()
    rows: dict[tuple[str, str], dict[str, object]] = {}
    found: set[tuple[str, str]] = set()
    for entity, ids in wanted.items():
        model = models.get(entity)
        columns = [getattr(model, c) for c in changefeed.synced_columns(model)] if model else []
        for at in range(0, len(ids), _LOOKUP):
            part = ids[at : at + _LOOKUP]
            if model is not None:
                rows.update(((entity, r.id), r._asdict()) for r in session.execute(
                    select(*columns).where(model.id.in_(part))))  # fmt: skip
            found.update((entity, i) for i in session.scalars(
                select(SyncBase.row_id).where(SyncBase.entity == entity,
                                              SyncBase.row_id.in_(part))))  # fmt: skip
    return rows, found | set(rows)


__all__ = ["apply_new"]
