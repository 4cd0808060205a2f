"""The providers' delivery log (``delivery_log``): each answer a provider gave about a
message, written in the same transaction as the reminder's new state, and what the
retention sweep removes of it (``retention.delivery_log_months``, 6 by default): log
rows older than that, and finished reminder rows (their state, provider id and
reason are the station's own delivery record) last touched before it; a patient on
hold keeps theirs.

No text and no address is kept: the reminder's id, channel, what was asked, the
outcome, the provider's id and its error code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session

from receptionist.models import DeliveryLog, Reminder
from receptionist.models.retention import held as on_hold

from .channels import Outcome

# A reminder row in one of these states is done with: the sweep may take it.
FINISHED = ("sent", "failed", "skipped", "withdrawn", "unknown")


def note(
    s: Session, reminder_id: str, channel: str, action: str, at: datetime, answer: Outcome | None
) -> None:
    """Log one answer (None: the provider could not tell, or was not asked)."""
    s.add(
        DeliveryLog(
            reminder_id=reminder_id, channel=channel, action=action, at=at,
            status=answer.status if answer is not None else "none",
            provider_id=(answer.provider_id if answer is not None else "")[:128],
            code=(answer.code if answer is not None else "")[:64],
            http_status=answer.http_status if answer is not None else None,
        )
    )  # fmt: skip


def of_reminder(s: Session, reminder_id: str) -> list[DeliveryLog]:
    query = select(DeliveryLog).where(DeliveryLog.reminder_id == reminder_id)
    return list(s.scalars(query.order_by(DeliveryLog.at, DeliveryLog.id)))


def _old_reminders(before: datetime) -> ColumnElement[bool]:
    touched = func.coalesce(Reminder.finished_at, Reminder.updated_at)
    return Reminder.state.in_(FINISHED) & (touched < before) & ~on_hold(Reminder.patient_id)


def _old_logs(before: datetime) -> ColumnElement[bool]:
    """Log rows older than ``before``, but for a patient on hold."""
    held = (
        exists().where(Reminder.id == DeliveryLog.reminder_id).where(on_hold(Reminder.patient_id))
    )
    return (DeliveryLog.at < before) & ~held


def count_old(s: Session, before: datetime) -> dict[str, int]:
    """How many rows of each kind :func:`remove_old` would take (the dry run)."""
    logs = s.scalar(select(func.count()).select_from(DeliveryLog).where(_old_logs(before))) or 0
    done = s.scalar(select(func.count()).select_from(Reminder).where(_old_reminders(before))) or 0
    return {"delivery_log": int(logs), "reminder": int(done)}


def remove_old(s: Session, before: datetime, limit: int) -> dict[str, int]:
    """Delete up to ``limit`` log rows and ``limit`` finished reminders older than
    ``before``; rows per kind (both zero: nothing left)."""
    logs: Sequence[str] = s.scalars(
        select(DeliveryLog.id).where(_old_logs(before)).limit(limit)
    ).all()
    done: Sequence[str] = s.scalars(
        select(Reminder.id).where(_old_reminders(before)).limit(limit)
    ).all()
    removed = {"delivery_log": 0, "reminder": 0}
    if logs:
        gone = s.execute(delete(DeliveryLog).where(DeliveryLog.id.in_(logs)))
        removed["delivery_log"] = int(gone.rowcount)  # type: ignore[attr-defined]
    if done:
        gone = s.execute(delete(Reminder).where(Reminder.id.in_(done)))
        removed["reminder"] = int(gone.rowcount)  # type: ignore[attr-defined]
    return removed
