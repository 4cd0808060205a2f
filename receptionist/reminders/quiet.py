"""Quiet hours: no message between two wall times in the clinic's zone (the window may
run past midnight, 21:00 to 08:00)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from receptionist import zones


def inside(at: datetime, start: time | None, end: time | None, tz: ZoneInfo) -> bool:
    """Whether the UTC moment ``at`` falls in the quiet window."""
    if start is None or end is None:
        return False
    wall = at.astimezone(tz).time()
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end


def ends_after(at: datetime, end: time, tz: ZoneInfo) -> datetime:
    """The first moment after ``at`` (inside the window) at which the window ends."""
    local = at.astimezone(tz)
    day = local.date()
    for _ in range(2):
        candidate = _end_on(day, end, tz)
        if candidate > at:
            return candidate
        day += timedelta(days=1)
    return _end_on(day, end, tz)


@lru_cache(maxsize=1024)
def _end_on(day: date, end: time, tz: ZoneInfo) -> datetime:
    """The window's end on ``day`` (the same for every message of a plan that waits for
    it: computed once)."""
    return zones.wall_to_utc(datetime.combine(day, end), tz)


def send_time(
    due: datetime,
    start_of_appointment: datetime,
    quiet: tuple[time | None, time | None],
    mode: str,
    tz: ZoneInfo,
) -> datetime | None:
    """When a message due at ``due`` may go: then, or when quiet hours end (mode
    "shift", if that is still before the appointment), or None: not at all."""
    begin, end = quiet
    if end is None or not inside(due, begin, end, tz):
        return due
    if mode != "shift":
        return None
    later = ends_after(due, end, tz)
    return later if later < start_of_appointment else None
