"""Audited writes of one synced row, and reading a row that has not been deleted.

Each write stamps the row's times (and bumps its version on a change), flushes so the
row has its id and the database's checks have run, then appends the audit event, all
in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound
from receptionist.journal import audit
from receptionist.models import Synced

Row = TypeVar("Row", bound=Synced)


def live(session: Session, model: type[Row], row_id: str, missing: str) -> Row:
    """The row with this id, or NotFound saying ``missing`` when absent or deleted.

    ``missing`` is raised as given, so a ``receptionist.texts.Text`` stays one.
    """
    row = session.get(model, row_id)
    if row is None or row.deleted_at is not None:
        raise NotFound(missing)
    return row


def live_of_patient(session: Session, model: type[Row], patient_id: str) -> list[Row]:
    """The rows of ``model`` (a table with ``patient_id``) a patient has, not deleted."""
    owner = getattr(model, "patient_id")  # noqa: B009 - not every Synced has one
    rows = session.scalars(
        select(model).where(owner == patient_id, model.deleted_at.is_(None))
    ).all()
    return list(rows)


def insert(session: Session, ctx: Ctx, row: Synced, entity: str) -> None:
    """Add a new row, stamped now, and audit its creation."""
    now = ctx.clock.now()
    row.created_at = row.updated_at = now
    session.add(row)
    session.flush()
    audit.record(session, ctx, "create", entity, row.id)


def save(
    session: Session,
    ctx: Ctx,
    row: Synced,
    action: str,
    entity: str,
    now: datetime | None = None,
) -> None:
    """Stamp a changed row (time, default now, and version) and audit ``action`` on it."""
    row.touch(now or ctx.clock.now())
    session.flush()
    audit.record(session, ctx, action, entity, row.id)


def update(
    session: Session, ctx: Ctx, row: Synced, entity: str, changes: dict[str, object]
) -> None:
    """Set the fields whose value differs and save them; no change, no write."""
    changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changed:
        return
    for key, value in changed.items():
        setattr(row, key, value)
    save(session, ctx, row, "update", entity)


def tombstone(session: Session, ctx: Ctx, row: Synced, entity: str) -> None:
    """Mark a row deleted (so the deletion can sync) and audit it."""
    now = ctx.clock.now()
    row.deleted_at = now
    save(session, ctx, row, "delete", entity, now)
