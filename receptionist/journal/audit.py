"""The audit log: every change and every opening of a patient record, hash-chained.

Events name the actor, the action and the entity's kind and id - never patient data.
Each event's hash covers the previous hash, so ``verify`` finds an edited, inserted
or deleted event; the newest event's number and hash are also kept apart from the
log (``audit_head``, by a trigger), so events deleted from its end are found too.
Writes happen inside the caller's write transaction (BEGIN IMMEDIATE), which
serialises the chain across processes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import AuditEvent, AuditHead, to_micros

GENESIS = "0" * 64


def _digest(
    prev: str,
    seq: int,
    at: datetime,
    actor: str | None,
    source: str,
    action: str,
    entity_type: str,
    entity_id: str | None,
) -> str:
    parts = [
        prev,
        str(seq),
        str(to_micros(at)),
        actor or "",
        source,
        action,
        entity_type,
        entity_id or "",
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def record(
    session: Session, ctx: Ctx, action: str, entity_type: str, entity_id: str | None
) -> AuditEvent:
    # The chain goes on from the head, not from the newest row left in the log: after
    # events were deleted from its end, the gap stays visible instead of being
    # papered over by the next event.
    last = session.execute(select(AuditHead.seq, AuditHead.hash)).first()
    if last is None:  # no event yet (or a head removed by hand): the newest row left
        last = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
    seq = (last.seq + 1) if last else 1
    prev = last.hash if last else GENESIS
    at = ctx.clock.now()
    actor = ctx.actor
    event = AuditEvent(
        seq=seq,
        at=at,
        actor_id=actor.user_id,
        source=actor.source,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        prev_hash=prev,
        hash=_digest(prev, seq, at, actor.user_id, actor.source, action, entity_type, entity_id),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(session: Session) -> VerifyResult:
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    for ev in rows:
        count += 1
        if ev.seq != expected_seq:
            return VerifyResult(False, count, ev.seq, f"event {expected_seq} is missing")
        if ev.prev_hash != prev:
            return VerifyResult(False, count, ev.seq, "the chain is broken before this event")
        digest = _digest(
            prev, ev.seq, ev.at, ev.actor_id, ev.source, ev.action, ev.entity_type, ev.entity_id
        )
        if digest != ev.hash:
            return VerifyResult(False, count, ev.seq, "this event was altered")
        prev = ev.hash
        expected_seq += 1
    return _against_head(session, count, expected_seq - 1, prev)


def _against_head(session: Session, count: int, last: int, last_hash: str) -> VerifyResult:
    """The chain is whole; does it end where the head says?"""
    head = session.get(AuditHead, 1)
    if head is None:
        if count == 0:
            return VerifyResult(True, 0)
        return VerifyResult(False, count, last, "the record of the log's newest event is missing")
    if head.seq > last:
        missing = (
            f"event {head.seq} is" if head.seq == last + 1 else f"events {last + 1}-{head.seq} are"
        )
        return VerifyResult(False, count, last + 1, f"{missing} missing from the end")
    if head.seq < last or head.hash != last_hash:
        return VerifyResult(
            False, count, last, "the record of the log's newest event does not match it"
        )
    return VerifyResult(True, count)
