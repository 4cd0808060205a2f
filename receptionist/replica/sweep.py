"""After a full download (the pull cursor was reset, past the endpoint's horizon):
rows this PC had from the endpoint that the endpoint no longer holds at all are
deleted on this PC too, with every live row pointing at them (docs/sync-protocol.md,
"Tombstones past the horizon").

A row the endpoint held once has a base here (``sync_base``, version above 0). A
full download brings every row the endpoint holds, live or tombstone; one with a
base that did not come was deleted and its tombstone purged after the horizon (a
patient erased while this PC was away). An erasure wins over any edit, so the row
becomes a tombstone here too (kept as the PC that deleted it keeps it), marked as the
endpoint's doing (never pushed back); and so does every live row that points at it,
recursively, whether the endpoint holds it (another PC's booking of the erased
patient, which no new PC can apply) or only this PC does (a booking made here
offline): no PC ends with a live row pointing at a patient it cannot have. Those
dependants are deleted as this PC's own change (audited, from "sync"), so the next
push sends their tombstones and the endpoint frees the time they held. Documents and
communication entries are wiped as they go, and bookings' and waiting-list entries'
free text emptied, as an erasure does: a tombstone
that kept them would carry the erased patient's scan or call to every PC.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal import changefeed, records
from receptionist.models import Base, Patient, SyncBase, Synced
from receptionist.patients import erasure
from receptionist.patients.searchindex import unindex_patient

from .apply import ENDPOINT

Key = tuple[str, str]


def sweep(session: Session, ctx: Ctx, seen: set[Key]) -> list[Key]:
    """Mark deleted the rows the endpoint no longer holds (a base here, not in
    ``seen``: every record of a full download) and the live rows pointing at them;
    the rows marked."""
    held = session.execute(select(SyncBase.entity, SyncBase.row_id).where(SyncBase.version > 0))
    gone = {(entity, row_id) for entity, row_id in held if (entity, row_id) not in seen}
    if not gone:
        return []
    doomed = _with_dependants(session, gone)
    order = {table.name: i for i, table in enumerate(Base.metadata.sorted_tables)}
    marked: list[Key] = []
    for key in sorted(doomed, key=lambda k: -order.get(k[0], 0)):  # children first
        entity, row_id = key
        row = session.get(changefeed.synced_tables()[entity], row_id)
        if row is not None and row.deleted_at is None:
            if key in gone:  # the endpoint's doing (deleted there): not pushed back
                with changefeed.applying(session, ENDPOINT):
                    erasure.blank(session, row)
                    row.deleted_at = ctx.clock.now()
                    session.flush()
            else:  # this PC's: pushed, so the endpoint frees the time it held too
                erasure.blank(session, row)
                records.tombstone(session, ctx, row, entity)
            if isinstance(row, Patient):
                unindex_patient(session, row)
            session.flush()
            marked.append(key)
        if key in gone:
            session.execute(
                delete(SyncBase).where(SyncBase.entity == entity, SyncBase.row_id == row_id)
            )
    return marked


def _with_dependants(session: Session, gone: Iterable[Key]) -> set[Key]:
    """``gone`` and every synced row pointing at one of them, recursively."""
    pointing = _pointing()
    found: set[Key] = set()
    todo = list(gone)
    while todo:
        key = todo.pop()
        if key in found:
            continue
        found.add(key)
        for model, column in pointing.get(key[0], ()):
            ids = session.scalars(select(model.id).where(column == key[1]))
            todo += [(model.__tablename__, i) for i in ids]  # type: ignore[attr-defined]
    return found


def _pointing() -> dict[str, list[tuple[type[Synced], Any]]]:
    """For each synced table, the (model, column) of synced rows pointing at it."""
    found: dict[str, list[tuple[type[Synced], Any]]] = {}
    for model in changefeed.synced_tables().values():
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            for fk in column.foreign_keys:
                found.setdefault(fk.column.table.name, []).append(
                    (model, getattr(model, column.key))
                )
    return found
