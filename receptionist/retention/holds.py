"""Legal or medical holds: a patient on hold is left alone by every sweep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal import audit
from receptionist.models import RetentionHold


@dataclass(frozen=True)
class Hold:
    patient_id: str
    reason: str
    placed_at: datetime
    placed_by: str | None


def place(session: Session, ctx: Ctx, patient_id: str, reason: str) -> Hold:
    """Hold the patient (a second hold replaces the reason); audited."""
    row = session.get(RetentionHold, patient_id)
    if row is None:
        row = RetentionHold(patient_id=patient_id)
        session.add(row)
    row.reason = reason
    row.placed_at = ctx.clock.now()
    row.placed_by = ctx.actor.user_id
    session.flush()
    audit.record(session, ctx, "hold", "patient", patient_id)
    return _hold(row)


def lift(session: Session, ctx: Ctx, patient_id: str) -> bool:
    """Lift the hold; False if there was none. Audited when there was."""
    row = session.get(RetentionHold, patient_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    audit.record(session, ctx, "unhold", "patient", patient_id)
    return True


def of(session: Session, patient_id: str) -> Hold | None:
    row = session.get(RetentionHold, patient_id)
    return None if row is None else _hold(row)


def every(session: Session) -> list[Hold]:
    rows = session.scalars(select(RetentionHold).order_by(RetentionHold.placed_at)).all()
    return [_hold(r) for r in rows]


def _hold(row: RetentionHold) -> Hold:
    return Hold(row.patient_id, row.reason, row.placed_at, row.placed_by)
