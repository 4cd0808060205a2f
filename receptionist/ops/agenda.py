"""What the schedule window loads: a window's agenda and the columns it can show; and
the clinic's name, time zone and slot size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from receptionist.context import Ctx
from receptionist.schedule import agenda
from receptionist.schedule.agenda import Agenda, ClinicInfo, Column, ColumnKind, day_window
from receptionist.store.storage import Database

__all__ = [
    "Agenda",
    "ClinicInfo",
    "Column",
    "ColumnKind",
    "Window",
    "clinic",
    "day_window",
    "load",
]


@dataclass(frozen=True)
class Window:
    """The agenda of the window on screen, and every column the filter can offer; for
    one day the clinic is closed on, the next day it opens (that day itself: none
    within four weeks)."""

    agenda: Agenda
    columns: list[Column]
    reopens: date | None = None


def load(
    db: Database,
    ctx: Ctx,
    start_utc: datetime,
    end_utc: datetime,
    *,
    kind: ColumnKind = "provider",
    ids: Sequence[str] | None = None,
    day: date | None = None,
) -> Window:
    """The cards, working and blocked time of ``[start_utc, end_utc)`` for the chosen
    providers or rooms (``ids``; None: all), in one read; with ``day`` (a window of
    that one day), whether the clinic is closed on it and when it opens next
    (``agenda.next_open_day``: holidays and closures count), in the same read."""
    with db.read() as s:
        every = agenda.providers(s) if kind == "provider" else agenda.rooms(s)
        found = agenda.load(s, ctx, start_utc, end_utc, kind=kind, ids=ids)
        reopens = agenda.next_open_day(s, day) if day is not None else None
        return Window(found, every, reopens)


def clinic(db: Database, ctx: Ctx) -> ClinicInfo:
    """The clinic's name, time zone, slot size and waiting alert."""
    with db.read() as s:
        return agenda.clinic_info(s)


def today(db: Database, ctx: Ctx) -> date:
    """Today's date where the clinic is (by the injected clock)."""
    return ctx.clock.now().astimezone(clinic(db, ctx).tz).date()
