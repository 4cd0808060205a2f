"""Legal or medical holds: a patient on hold is left alone by every sweep, on every
PC (a hold is a synced row)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal import audit
from receptionist.models import RetentionHold

# A hold's kind is the first word of its reason ("legal: court letter 2026/114"): the
# hold row has no column for it (a column needs a migration); a reason given without
# one (the CLI's) has no kind.
KINDS = ("legal", "medical")


def tagged(kind: str, reason: str) -> str:
    """The reason as stored for a hold of ``kind`` (one of :data:`KINDS`)."""
    return f"{kind}: {reason}"


def kind_of(reason: str) -> tuple[str | None, str]:
    """(kind, the reason without it) of a stored reason; (None, reason) with no kind."""
    head, sep, rest = reason.partition(":")
    if sep and head.strip().lower() in KINDS:
        return head.strip().lower(), rest.strip()
    return None, reason


@dataclass(frozen=True)
class Hold:
    patient_id: str
    reason: str
    placed_at: datetime
    placed_by: str | None

    @property
    def kind(self) -> str | None:
        return kind_of(self.reason)[0]


def place(session: Session, ctx: Ctx, patient_id: str, reason: str) -> Hold:
    """Hold the patient (a second hold replaces the reason); audited. The hold is a
    synced row: it reaches every PC of the clinic with the next sync."""
    now = ctx.clock.now()
    row = _live(session, patient_id)
    made = row is None
    if row is None:
        row = RetentionHold(patient_id=patient_id, created_at=now, updated_at=now)
        session.add(row)
    else:
        row.touch(now)
    row.reason = reason
    row.placed_at = now
    row.placed_by = ctx.actor.user_id
    session.flush()
    if made:  # every synced row's creation is audited (journal/coverage.py)
        audit.record(session, ctx, "create", "patient_hold", row.id)
    audit.record(session, ctx, "hold", "patient", patient_id)
    return _hold(row)


def lift(session: Session, ctx: Ctx, patient_id: str) -> bool:
    """Lift the hold (a tombstone, so the lifting travels too); False if there was
    none. Audited when there was. Two PCs' holds of one patient are lifted together."""
    rows = _every_live(session, patient_id)
    if not rows:
        return False
    now = ctx.clock.now()
    for row in rows:
        row.deleted_at = now
        row.touch(now)
    session.flush()
    audit.record(session, ctx, "unhold", "patient", patient_id)
    return True


def of(session: Session, patient_id: str) -> Hold | None:
    row = _live(session, patient_id)
    return None if row is None else _hold(row)


def every(session: Session) -> list[Hold]:
    rows = session.scalars(
        select(RetentionHold)
        .where(RetentionHold.deleted_at.is_(None))
        .order_by(RetentionHold.placed_at)
    ).all()
    return [_hold(r) for r in rows]


def _every_live(session: Session, patient_id: str) -> list[RetentionHold]:
    """The patient's live holds: one, or one per PC that held them while apart."""
    return list(
        session.scalars(
            select(RetentionHold)
            .where(RetentionHold.patient_id == patient_id, RetentionHold.deleted_at.is_(None))
            .order_by(RetentionHold.placed_at.desc())
        )
    )


def _live(session: Session, patient_id: str) -> RetentionHold | None:
    rows = _every_live(session, patient_id)
    return rows[0] if rows else None


def _hold(row: RetentionHold) -> Hold:
    return Hold(row.patient_id, row.reason, row.placed_at, row.placed_by)
