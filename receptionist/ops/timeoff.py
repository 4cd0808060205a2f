"""Operations on blocked time: a provider's time off, a room out of use, the whole
clinic closed. Add, list, remove.

Times may be given as aware datetimes, or as wall time in the clinic's time zone (a
naive datetime or ISO text, as a person types it); a wall time the clocks skip is
taken as the moment of the jump, since a block's ends are boundaries. The rules (the
end after the start, time off belongs to a provider, who may configure) live in
``schedule.blocked``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx
from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.models import BlockedTime, Provider, Room
from receptionist.schedule import blocked
from receptionist.schedule.clinic import get_clinic
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

When = datetime | str
_ID = re.compile(r"^[0-9a-f-]{6,36}$")
GONE = Text(QT_TRANSLATE_NOOP("core", "That blocked time no longer exists; list it again."))


@dataclass(frozen=True)
class Block:
    """A block of time nobody may book. ``provider_id`` and ``room_id`` both None: the
    whole clinic. ``kind`` is "time_off" (a provider's) or "blocked"."""

    id: str
    kind: str
    start_utc: datetime
    end_utc: datetime
    provider_id: str | None
    provider: str | None
    room_id: str | None
    room: str | None
    reason: str


def add(
    db: Database,
    ctx: Ctx,
    *,
    start: When,
    end: When,
    provider_id: str | None = None,
    room_id: str | None = None,
    reason: str = "",
) -> Block:
    """Block ``[start, end)``: time off for ``provider_id``, a room out of use for
    ``room_id``, or (neither given) the whole clinic closed."""
    kind = "time_off" if provider_id is not None else "blocked"
    with db.write() as s:
        tz = _zone(s)
        row = blocked.add_blocked_time(
            s,
            ctx,
            start=zones.local_to_utc(start, tz, "start", boundary=True),
            end=zones.local_to_utc(end, tz, "end", boundary=True),
            provider_id=provider_id,
            room_id=room_id,
            kind=kind,
            reason=reason,
        )
        return _block(s, row)


def listing(
    db: Database,
    ctx: Ctx,
    *,
    start: When,
    end: When,
    provider_id: str | None = None,
    room_id: str | None = None,
    time_off_only: bool = False,
) -> list[Block]:
    """Blocks overlapping ``[start, end)``, by start: every one, or (given a provider or
    a room) theirs and the whole clinic's. ``time_off_only`` keeps providers' time off."""
    with db.read() as s:
        tz = _zone(s)
        lo = zones.local_to_utc(start, tz, "start", boundary=True)
        hi = zones.local_to_utc(end, tz, "end", boundary=True)
        if hi <= lo:
            raise ValidationError(
                "end",
                Text(QT_TRANSLATE_NOOP("core", "The end must be after the start; fix the times.")),
            )
        rows = blocked.list_blocked_time(
            s,
            lo,
            hi,
            provider_ids=[provider_id] if provider_id else (),
            room_ids=[room_id] if room_id else (),
            everything=provider_id is None and room_id is None,
        )
        found = [_block(s, b) for b in rows]
    return [b for b in found if b.kind == "time_off"] if time_off_only else found


def remove(db: Database, ctx: Ctx, key: str) -> Block:
    """Remove the block whose id is ``key`` or starts with it (at least 6 characters);
    returns what was removed."""
    with db.write() as s:
        row = _find(s, key)
        gone = _block(s, row)
        blocked.remove_blocked_time(s, ctx, row.id)
        return gone


def _zone(s: Session) -> str:
    return get_clinic(s).timezone


def _find(s: Session, key: str) -> BlockedTime:
    wanted = key.strip().lower()
    if not _ID.match(wanted):
        raise ValidationError(
            "id",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "Give the blocked time's id, or at least its first 6 characters."
                )
            ),
        )
    rows = s.scalars(
        select(BlockedTime)
        .where(BlockedTime.id.like(wanted + "%"), BlockedTime.deleted_at.is_(None))
        .limit(2)
    ).all()
    if not rows:
        raise NotFound(GONE, "id")
    if len(rows) > 1:
        raise Ambiguous(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "More than one blocked time's id starts with {key}; type more of it."
                ),
                key=wanted,
            ),
            "id",
        )
    return rows[0]


def _block(s: Session, row: BlockedTime) -> Block:
    provider = s.get(Provider, row.provider_id) if row.provider_id else None
    room = s.get(Room, row.room_id) if row.room_id else None
    return Block(
        row.id,
        row.kind,
        row.start_utc,
        row.end_utc,
        row.provider_id,
        provider.name if provider else None,
        row.room_id,
        room.name if room else None,
        row.reason,
    )
