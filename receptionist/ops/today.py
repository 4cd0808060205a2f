"""The today board's day: who is due, waiting, in a room or done; marking them."""

from __future__ import annotations

from datetime import date

from receptionist.context import Ctx
from receptionist.schedule import today
from receptionist.schedule.today import BOARD_STATUSES, BoardRow
from receptionist.store.storage import Database

__all__ = ["BOARD_STATUSES", "BoardRow", "day", "mark"]


def day(db: Database, ctx: Ctx, when: date | None = None) -> list[BoardRow]:
    """The appointments of the clinic's local day ``when`` (default: its today), by
    time; cancelled ones left out, no-shows kept."""
    with db.read() as s:
        return today.load_day(s, ctx, when)


def mark(db: Database, ctx: Ctx, appointment_id: str, status: str) -> str:
    """Arrived, in the room, completed or a no-show (the lifecycle's rules); the
    appointment's status now."""
    with db.write() as s:
        return today.mark(s, ctx, appointment_id, status).status
