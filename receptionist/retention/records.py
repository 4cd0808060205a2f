"""Destruction records: what each sweep destroyed, kept at least three years.

One row per sweep, kind and policy, its count added to batch by batch in the batch's
own transaction, so the record always says what was really deleted, even of a sweep
cut short. A sweep that destroyed nothing leaves one row too, of kind ``nothing``
(count 0, the whole policy it ran under): KVKK asks for a destruction at least every
six months, and an inspector asks whether it ran, not only what it took.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from receptionist.models import DestructionRecord

NOTHING = "nothing"  # the kind of the row of a sweep that destroyed nothing
CSV_COLUMNS = ("at", "sweep_id", "kind", "count", "policy")


@dataclass(frozen=True)
class Record:
    sweep_id: str
    at: datetime
    kind: str
    count: int
    policy: str


def add(session: Session, sweep_id: str, at: datetime, kind: str, count: int, policy: str) -> None:
    """Add ``count`` destroyed rows (or files) of ``kind`` under ``policy`` to the sweep."""
    if count <= 0:
        return
    found = session.execute(
        update(DestructionRecord)
        .where(
            DestructionRecord.sweep_id == sweep_id,
            DestructionRecord.kind == kind,
            DestructionRecord.policy == policy,
        )
        .values(count=DestructionRecord.count + count, at=at)
    )
    if found.rowcount == 0:  # type: ignore[attr-defined]
        session.add(
            DestructionRecord(sweep_id=sweep_id, at=at, kind=kind, count=count, policy=policy)
        )
        session.flush()


def nothing(session: Session, sweep_id: str, at: datetime, policy: str) -> None:
    """Record that the sweep ran under ``policy`` and found nothing past its time."""
    session.add(DestructionRecord(sweep_id=sweep_id, at=at, kind=NOTHING, count=0, policy=policy))
    session.flush()


def prune(session: Session, before: datetime) -> int:
    """Delete the records older than ``before`` (the policy keeps them >= 3 years)."""
    result = session.execute(delete(DestructionRecord).where(DestructionRecord.at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def recent(
    session: Session, limit: int | None = 200, since: datetime | None = None
) -> list[Record]:
    """The newest records first (at most ``limit``; from ``since`` on, when given)."""
    query = select(DestructionRecord).order_by(DestructionRecord.id.desc()).limit(limit)
    if since is not None:
        query = query.where(DestructionRecord.at >= since)
    rows = session.scalars(query).all()
    return [Record(r.sweep_id, r.at, r.kind, r.count, r.policy) for r in rows]


def as_csv(found: Iterable[Record]) -> str:
    """``found`` as CSV for an inspector: a header row, then one row per record, the
    time in UTC (ISO 8601). Kinds, counts and policies only: no patient data."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in found:
        writer.writerow([r.at.isoformat(), r.sweep_id, r.kind, r.count, r.policy])
    return out.getvalue()


def of_sweep(session: Session, sweep_id: str) -> list[Record]:
    rows = session.scalars(
        select(DestructionRecord)
        .where(DestructionRecord.sweep_id == sweep_id)
        .order_by(DestructionRecord.id)
    ).all()
    return [Record(r.sweep_id, r.at, r.kind, r.count, r.policy) for r in rows]
