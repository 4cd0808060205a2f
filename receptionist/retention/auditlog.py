"""The audit log's oldest events, removed behind a checkpoint (docs/privacy.md).

Only a prefix goes: events ``1..P`` where ``P+1`` is the newest event older than
``retention.audit_years`` with every event before it older too (or the newest event):
that event stays, the log's first, and its time (under the chain's hashes, unlike the
checkpoint) is what lets ``audit verify`` refuse a cut of younger events. The prefix
goes only when an anchor kept outside the file (a backup's, or one a person gives:
``receptionist sweep --audit-anchor FILE``) was taken at an event after ``P``, and
the log verifies against it: the chain is whole up to that event and the event has
the hash the anchor recorded, so the events about to go are exactly the ones the
anchor vouched for, and every anchor taken since still pins the checkpoint that
replaces them. Each batch is one short write: the events up to the batch's last, a
checkpoint row naming that event's hash (the next event's ``prev_hash``), and a
"prune" event for the sweep (``journal/checkpoint.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal import audit, checkpoint
from receptionist.journal.anchor import Anchor
from receptionist.models import AuditCheckpoint, AuditEvent

BATCH = 5000  # events a write removes


@dataclass(frozen=True)
class Due:
    """Events ``after+1 .. upto`` are past their time: ``count`` of them."""

    after: int
    upto: int
    count: int


def due(session: Session, before: datetime) -> Due | None:
    """The prefix of the log older than ``before`` (None: nothing to remove)."""
    point = checkpoint.newest(session)
    after = point.seq if point is not None else 0
    last = session.scalar(select(func.max(AuditEvent.seq)))
    if last is None:
        return None
    first_new = session.scalar(
        select(func.min(AuditEvent.seq)).where(AuditEvent.seq > after, AuditEvent.at >= before)
    )
    # The newest event past its time stays, the first of the log: its time, under the
    # chain's hashes, shows every event before it was old (``checkpoint.age_problem``).
    upto = first_new - 2 if first_new is not None else last - 1
    if upto <= after:
        return None
    count = session.scalar(
        select(func.count()).where(AuditEvent.seq > after, AuditEvent.seq <= upto)
    )
    return Due(after, upto, int(count or 0))


def vouching(
    session: Session, anchors: Sequence[Anchor], found: Due, now: datetime
) -> Anchor | None:
    """The newest of ``anchors`` (kept outside the file) taken after ``found.upto``, if
    the log verifies against it; None when there is none or the log fails it (then
    nothing may go: the removed events would be the evidence)."""
    after = [a for a in anchors if a.head_seq > found.upto]
    if not after:
        return None
    newest = max(after, key=lambda a: a.head_seq)
    return newest if audit.verify(session, anchor=newest, now=now).ok else None


def prune(
    session: Session, ctx: Ctx, upto: int, anchor: Anchor, sweep_id: str, limit: int = BATCH
) -> int:
    """Remove the next events up to ``upto`` (at most ``limit``), behind a checkpoint;
    how many went (0: none left to go)."""
    point = checkpoint.newest(session)
    after = point.seq if point is not None else 0
    end = min(upto, after + limit, anchor.head_seq - 1)
    if end <= after:
        return 0
    digest, at = session.execute(
        select(AuditEvent.hash, AuditEvent.at).where(AuditEvent.seq == end)
    ).one()
    removed = session.execute(
        delete(AuditEvent).where(AuditEvent.seq > after, AuditEvent.seq <= end)
    ).rowcount  # type: ignore[attr-defined]
    session.add(
        AuditCheckpoint(
            seq=end, hash=digest, at=at, removed=int(removed), made_at=ctx.clock.now(),
            sweep_id=sweep_id, anchor_seq=anchor.head_seq, anchor_hash=anchor.head_hash,
        )
    )  # fmt: skip
    session.flush()
    audit.record(session, ctx, checkpoint.PRUNE, checkpoint.KIND, sweep_id)
    return int(removed)
