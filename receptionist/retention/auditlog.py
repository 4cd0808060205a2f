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
from receptionist.journal import audit, checkpoint, coverage, notary
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
    return newest if holds_up_to(session, newest, now, found.upto) else None


def holds_up_to(session: Session, anchor: Anchor, now: datetime, upto: int) -> bool:
    """Whether the log verifies up to ``anchor``'s event, walking only the events no
    earlier cut walked: from the newest checkpoint's own anchor, when the log still
    holds that event with that hash (the chain up to it was walked by that sweep and
    is pinned by that anchor, kept outside the file), else from the checkpoint. The
    events about to go are bound all the same: event ``A``'s hash covers them."""
    if anchor.clinic_id != (coverage.clinic_id(session) or ""):
        return False
    point = checkpoint.newest(session)
    start, prev = (0, audit.GENESIS) if point is None else (point.seq, point.hash)
    if point is not None:
        if checkpoint.age_problem(session, point, now):  # its start: coverage, below
            return False
        held = session.execute(
            select(AuditEvent.hash, AuditEvent.prev_hash).where(AuditEvent.seq == point.anchor_seq)
        ).first()
        if (
            held is not None
            and held.hash == point.anchor_hash
            and point.anchor_seq < anchor.head_seq
        ):
            # The events about to go are walked all the same: they are the evidence of
            # an edit made since that cut (event ``A``'s stored hash does not change
            # when an event before it is altered; only a walk finds it).
            goes = audit.walk(session, point.seq, point.hash, upto=upto)
            if goes.problem is not None or goes.last != upto:
                return False
            # Then from that event itself: its fields are checked against its hash again.
            start, prev = point.anchor_seq - 1, held.prev_hash
            if upto >= start:
                start, prev = upto, goes.last_hash
    walked = audit.walk(session, start, prev, upto=anchor.head_seq)
    if walked.problem is not None or walked.last != anchor.head_seq:
        return False
    if walked.last_hash != anchor.head_hash:
        return False
    if coverage.start_problem(session) is not None:
        return False
    if point is None:  # the first cut walked the whole log: the whole coverage check
        return coverage.uncovered_problem(session) is None
    until = session.scalar(select(AuditEvent.at).where(AuditEvent.seq == upto))
    return until is not None and coverage.newly_excused(session, point.seq, upto, until)


def next_cut(
    session: Session, upto: int, anchor: Anchor, limit: int = BATCH, marks: Sequence[int] = ()
) -> notary.Proposal | None:
    """The checkpoint the next batch would write (None: none left to go). A batch
    ends at each event of ``marks`` (the events other anchors recorded: the
    backups'), so a checkpoint keeps that event's hash and those anchors can still be
    checked once their event is gone."""
    point = checkpoint.newest(session)
    after = point.seq if point is not None else 0
    end = min(upto, after + limit, anchor.head_seq - 1, *(m for m in marks if m > after))
    if end <= after:
        return None
    digest, at = session.execute(
        select(AuditEvent.hash, AuditEvent.at).where(AuditEvent.seq == end)
    ).one()
    return notary.Proposal(anchor.clinic_id, end, digest, at, anchor.head_seq, anchor.head_hash)


def cut(
    session: Session,
    ctx: Ctx,
    step: notary.Proposal,
    sweep_id: str,
    signed: tuple[str, str] | None = None,
) -> int:
    """Remove the events up to ``step.seq`` behind its checkpoint (with the endpoint's
    ``signed`` signature and key, in a clinic that syncs); how many went. 0 when the
    log changed since ``step`` was planned (another sweep cut first)."""
    point = checkpoint.newest(session)
    after = point.seq if point is not None else 0
    held = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == step.seq))
    if step.seq <= after or held != step.hash:
        return 0
    removed = session.execute(
        delete(AuditEvent).where(AuditEvent.seq > after, AuditEvent.seq <= step.seq)
    ).rowcount  # type: ignore[attr-defined]
    signature, signer = signed if signed is not None else (None, None)
    session.add(
        AuditCheckpoint(
            seq=step.seq, hash=step.hash, at=step.at, removed=int(removed),
            made_at=ctx.clock.now(), sweep_id=sweep_id, anchor_seq=step.anchor_seq,
            anchor_hash=step.anchor_hash, signature=signature, signed_by=signer,
        )
    )  # fmt: skip
    session.flush()
    audit.record(session, ctx, checkpoint.PRUNE, checkpoint.KIND, sweep_id)
    return int(removed)


def prune(
    session: Session,
    ctx: Ctx,
    upto: int,
    anchor: Anchor,
    sweep_id: str,
    limit: int = BATCH,
    marks: Sequence[int] = (),
) -> int:
    """Remove the next events up to ``upto`` (at most ``limit``), behind an unsigned
    checkpoint (:func:`next_cut`, :func:`cut`); how many went (0: none left to go)."""
    step = next_cut(session, upto, anchor, limit, marks)
    return 0 if step is None else cut(session, ctx, step, sweep_id)
