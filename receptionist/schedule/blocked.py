"""Blocked time: when the whole clinic, one provider (time off) or one room is closed.

No appointment may touch blocked time (see :mod:`conflicts`). Adding or removing a
block needs the "clinic.configure" permission and is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist import freetext, zones
from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.journal import records
from receptionist.models import BlockedTime, Provider, Room
from receptionist.schedule import catalog
from receptionist.schedule.clinic import require_configure
from receptionist.texts import QT_TRANSLATE_NOOP, Text

BLOCK_KINDS = ("blocked", "time_off")


def add_blocked_time(
    session: Session,
    ctx: Ctx,
    *,
    start: datetime,
    end: datetime,
    provider_id: str | None = None,
    room_id: str | None = None,
    kind: str = "blocked",
    reason: str = "",
) -> BlockedTime:
    """Block time for the whole clinic, one provider (time off) or one room."""
    require_configure(ctx)
    start, end = zones.as_utc(start, "start"), zones.as_utc(end, "end")
    if end <= start:
        raise ValidationError(
            "end",
            Text(QT_TRANSLATE_NOOP("core", "The end must be after the start; fix the times.")),
        )
    _check_owner(session, kind, provider_id, room_id)
    block = BlockedTime(
        start_utc=start,
        end_utc=end,
        provider_id=provider_id,
        room_id=room_id,
        kind=kind,
        reason=freetext.clean_text(reason, "reason", 1000),
    )
    records.insert(session, ctx, block, "blocked_time")
    return block


def _check_owner(session: Session, kind: str, provider_id: str | None, room_id: str | None) -> None:
    """The kind is known, time off has a provider, and the provider and room exist."""
    if kind not in BLOCK_KINDS:
        raise ValidationError(
            "kind", Text(QT_TRANSLATE_NOOP("core", "The kind must be 'blocked' or 'time_off'."))
        )
    if kind == "time_off" and provider_id is None:
        raise ValidationError(
            "provider",
            Text(QT_TRANSLATE_NOOP("core", "Time off belongs to a provider; choose one.")),
        )
    if provider_id is not None:
        catalog.get(session, Provider, provider_id)
    if room_id is not None:
        catalog.get(session, Room, room_id)


def remove_blocked_time(session: Session, ctx: Ctx, block_id: str) -> None:
    require_configure(ctx)
    missing = Text(
        QT_TRANSLATE_NOOP("core", "That blocked time no longer exists; refresh the calendar.")
    )
    block = records.live(session, BlockedTime, block_id, missing)
    records.tombstone(session, ctx, block, "blocked_time")


def list_blocked_time(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    provider_ids: Sequence[str] = (),
    room_ids: Sequence[str] = (),
    everything: bool = False,
) -> list[BlockedTime]:
    """Blocks overlapping ``[start, end)``: clinic-wide ones and those of the given
    providers and rooms (all of them with ``everything``), by start."""
    query = select(BlockedTime).where(
        BlockedTime.start_utc < end, BlockedTime.end_utc > start, BlockedTime.deleted_at.is_(None)
    )
    rows = session.scalars(query.order_by(BlockedTime.start_utc))
    return [b for b in rows if everything or _applies(b, provider_ids, room_ids)]


def _applies(block: BlockedTime, provider_ids: Sequence[str], room_ids: Sequence[str]) -> bool:
    if block.provider_id is None and block.room_id is None:
        return True
    return block.provider_id in provider_ids or block.room_id in room_ids
