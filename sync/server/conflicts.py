"""Conflicts: both sides kept, sealed, for a person on any PC to settle.

A conflict takes a server sequence like a record, so every PC pulls it; resolving it
takes a new one, so every PC pulls it again, closed. The resolution's data (the
appointment moved, the field's value chosen) is a change pushed like any other.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Row, insert, select, update

from receptionist.clock import Clock
from receptionist.models import new_id

from . import bodies, destroyed
from .auth import Caller, locked_device
from .problems import not_found
from .schema import clinic, conflict
from .shapes import conflict_out
from .store import Store, lock_clinic

LIST_LIMIT = 500
# The destruction records' rule for a conflict's record emptied when a PC settles it.
ANONYMISED = "patient anonymised"


def add(
    conn: Connection,
    who: Caller,
    kind: Literal["edit", "overlap"],
    entity: str,
    row_id: str,
    records: list[dict[str, Any]],
    seq: int,
    now: datetime,
) -> str:
    """Store a conflict at server sequence ``seq``; its id."""
    conflict_id = new_id()
    conn.execute(
        insert(conflict).values(
            id=conflict_id, clinic_id=who.clinic_id, kind=kind, entity=entity, row_id=row_id,
            records=json.dumps(records, ensure_ascii=False, separators=(",", ":")), seq=seq,
            device_id=who.id, created_at=now,
        )
    )  # fmt: skip
    return conflict_id


def listing(store: Store, who: Caller, *, open_only: bool) -> bodies.ConflictsOut:
    """The clinic's conflicts, newest first (open ones only, unless told)."""
    query = select(conflict).where(conflict.c.clinic_id == who.clinic_id)
    if open_only:
        query = query.where(conflict.c.resolved_at.is_(None))
    with store.read() as conn:
        rows = conn.execute(query.order_by(conflict.c.seq.desc()).limit(LIST_LIMIT)).all()
    return bodies.ConflictsOut(conflicts=[conflict_out(row) for row in rows])


def resolve(
    store: Store, who: Caller, conflict_id: str, body: bodies.ResolveIn, clock: Clock
) -> bodies.ConflictOut:
    """Close a conflict of the caller's clinic for every PC (once: again changes nothing),
    and empty the sealed values of its records the PC forgot (``body.forgotten``: an
    anonymised patient's kept visit, :func:`_forget`), whether closed now or before."""
    with store.write() as conn:
        place = lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        where = (conflict.c.id == conflict_id, conflict.c.clinic_id == who.clinic_id)
        row = conn.execute(select(conflict).where(*where)).first()
        if row is None:
            raise not_found("conflict")
        if row.resolved_at is None:
            conn.execute(
                update(conflict).where(*where).values(
                    resolved_at=clock.now(), resolved_by=who.id, resolution=body.resolution,
                    seq=place.next_seq,
                )
            )  # fmt: skip
            conn.execute(
                update(clinic)
                .where(clinic.c.id == who.clinic_id)
                .values(next_seq=place.next_seq + 1)
            )
            row = conn.execute(select(conflict).where(*where)).one()
        if _forget(conn, row, body.forgotten, clock.now()):
            row = conn.execute(select(conflict).where(*where)).one()
    return conflict_out(row)


def forget(
    store: Store, who: Caller, conflict_id: str, body: bodies.ForgetIn, clock: Clock
) -> bodies.ConflictOut:
    """Empty the sealed values of the records of a conflict of the caller's clinic that
    the PC forgot (:func:`_forget`), open or closed: a double booking against an
    anonymised patient's kept visit stays open for a person, perhaps for long."""
    with store.write() as conn:
        lock_clinic(conn, who.clinic_id)
        locked_device(conn, who)
        where = (conflict.c.id == conflict_id, conflict.c.clinic_id == who.clinic_id)
        row = conn.execute(select(conflict).where(*where)).first()
        if row is None:
            raise not_found("conflict")
        if _forget(conn, row, body.records, clock.now()):
            row = conn.execute(select(conflict).where(*where)).one()
    return conflict_out(row)


def _forget(conn: Connection, row: Row[Any], ids: list[str], now: datetime) -> int:
    """The sealed values of the records of conflict ``row`` named in ``ids`` emptied
    (added to the day's destruction records); how many. The PC that settled it forgot
    them: they hold what an anonymisation emptied (her booking's notes as they were),
    and her side is read from her kept, emptied booking on each PC, so nothing needs
    them. Each record keeps its id, writer and clear routing fields. The conflict's
    sequence stays: a PC that pulled it has emptied them itself (it pulled her rows
    first, at lower sequences), and a download gets them emptied."""
    wanted = set(ids)
    if not wanted:
        return 0
    records = json.loads(row.records)
    done = 0
    for record in records:
        if isinstance(record, dict) and record.get("id") in wanted and record.get("sealed"):
            record["sealed"] = ""
            done += 1
    if done:
        conn.execute(
            update(conflict)
            .where(conflict.c.id == row.id)
            .values(records=json.dumps(records, ensure_ascii=False, separators=(",", ":")))
        )
        destroyed.note(conn, row.clinic_id, now, destroyed.CONFLICT_RECORDS, done, ANONYMISED)
    return done
