"""Destruction records: what each sweep destroyed, kept at least three years.

One row per sweep, kind and policy, its count added to batch by batch in the batch's
own transaction, so the record always says what was really deleted, even of a sweep
cut short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from receptionist.models import DestructionRecord


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


def prune(session: Session, before: datetime) -> int:
    """Delete the records older than ``before`` (the policy keeps them >= 3 years)."""
    result = session.execute(delete(DestructionRecord).where(DestructionRecord.at < before))
    return int(result.rowcount)  # type: ignore[attr-defined]


def recent(session: Session, limit: int = 200) -> list[Record]:
    rows = session.scalars(
        select(DestructionRecord).order_by(DestructionRecord.id.desc()).limit(limit)
    ).all()
    return [Record(r.sweep_id, r.at, r.kind, r.count, r.policy) for r in rows]


def of_sweep(session: Session, sweep_id: str) -> list[Record]:
    rows = session.scalars(
        select(DestructionRecord)
        .where(DestructionRecord.sweep_id == sweep_id)
        .order_by(DestructionRecord.id)
    ).all()
    return [Record(r.sweep_id, r.at, r.kind, r.count, r.policy) for r in rows]
