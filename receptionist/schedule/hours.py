"""Weekly opening and working hours, and clinic-local wall time versus UTC.

Hours are stored as JSON: ``{"mon": [["08:30", "12:30"], ["13:30", "18:00"]], ...,
"sun": []}``. An empty mapping means "not set" (no restriction); once set, a day that
is missing or empty is a day off. "24:00" may end a period.

Periods are wall-clock times in the clinic's zone, so a provider who works 09:00-17:00
does so on both sides of a daylight-saving change. Two edge rules, for times that fall
in a change:

* a period boundary inside the spring-forward gap moves to the instant the clocks
  jump (so a period from "01:30" on that night starts at the new 02:00/03:00);
* an ambiguous wall time (the repeated hour at fall-back) means its *first*
  occurrence, both for period boundaries and for :func:`local_to_utc`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import (
    wall_to_utc,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WeeklyHours = dict[str, list[list[str]]]
Interval = tuple[datetime, datetime]
# Seven days (Monday first), each a sorted tuple of (start, end) minutes after midnight.
Week = tuple[tuple[tuple[int, int], ...], ...]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_DAY_MINUTES = 24 * 60


# -- validation ----------------------------------------------------------------------


def _minutes(text: object, field: str) -> int:
    if not isinstance(text, str) or not _HHMM.match(text):
        raise ValidationError(
            field,
            Text(QT_TRANSLATE_NOOP("core", "Hours are written as HH:MM, from 00:00 to 24:00.")),
        )
    hh, mm = text.split(":")
    return int(hh) * 60 + int(mm)


def _day_periods(day: str, periods: object, field: str) -> list[tuple[int, int]]:
    if not isinstance(periods, list):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The hours for '{day}' must be a list of [from, to] pairs."
                ),
                day=day,
            ),
        )
    parsed: list[tuple[int, int]] = []
    for period in periods:
        if not isinstance(period, list | tuple) or len(period) != 2:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "Each period on '{day}' must be a [from, to] pair."),
                    day=day,
                ),
            )
        start, end = _minutes(period[0], field), _minutes(period[1], field)
        if end <= start:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "A period on '{day}' ends before it starts; fix it."),
                    day=day,
                ),
            )
        parsed.append((start, end))
    parsed.sort()
    for (_, end), (start, _) in pairwise(parsed):
        if start < end:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP("core", "Two periods on '{day}' overlap; merge them."),
                    day=day,
                ),
            )
    return parsed


def validate_hours(value: object, field: str = "working_hours") -> WeeklyHours:
    """Checked and normalised hours: all seven days, periods sorted. ``{}`` stays ``{}``."""
    if not isinstance(value, Mapping):
        raise ValidationError(
            field,
            Text(QT_TRANSLATE_NOOP("core", "Hours must map day names (mon..sun) to periods.")),
        )
    unknown = [key for key in value if key not in DAYS]
    if unknown:
        raise ValidationError(
            field,
            Text(QT_TRANSLATE_NOOP("core", "Hours may only name the days mon, tue, ..., sun.")),
        )
    if not value:
        return {}
    result: WeeklyHours = {}
    for day in DAYS:
        periods = _day_periods(day, value.get(day, []), field)
        result[day] = [[_hhmm(s), _hhmm(e)] for s, e in periods]
    return result


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_week(hours: Mapping[str, object]) -> Week | None:
    """The compact, hashable form of stored hours; ``None`` when hours are not set."""
    if not hours:
        return None
    checked = validate_hours(hours)
    return tuple(
        tuple((_minutes(s, "hours"), _minutes(e, "hours")) for s, e in checked[day]) for day in DAYS
    )


@lru_cache(maxsize=256)
def parse_week_json(text: str | None) -> Week | None:
    """:func:`parse_week` of hours as the database stores them (JSON text), for raw
    queries. Memoised: a clinic has a handful of distinct weeks, read on every view."""
    if not text:
        return None
    return parse_week(json.loads(text))


def describe_day(week: Week, day: date) -> str:
    """The periods of one weekday as text, e.g. "09:00-12:30, 13:30-18:00"."""
    periods = week[day.weekday()]
    return ", ".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in periods) or Text(
        QT_TRANSLATE_NOOP("core", "closed")
    )


# -- hours as UTC intervals ----------------------------------------------------------


@lru_cache(maxsize=8192)
def day_intervals(week: Week, day: date, tz: ZoneInfo) -> tuple[Interval, ...]:
    """The UTC intervals of ``week``'s periods on the local date ``day``."""
    midnight = datetime.combine(day, time())
    result = []
    for start, end in week[day.weekday()]:
        lo = wall_to_utc(midnight + timedelta(minutes=start), tz)
        hi = wall_to_utc(midnight + timedelta(minutes=end), tz)
        if hi > lo:
            result.append((lo, hi))
    return tuple(result)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted intervals with touching and overlapping ones joined."""
    merged: list[Interval] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def intervals_between(week: Week, start: datetime, end: datetime, tz: ZoneInfo) -> list[Interval]:
    """Merged UTC intervals of ``week`` that touch ``[start, end)``."""
    # Keyed on UTC: datetimes in one zone compare equal across a fold (the repeated
    # hour), so a local key could hand one instant's answer to the other.
    return list(_between(week, start.astimezone(UTC), end.astimezone(UTC), tz))


@lru_cache(maxsize=1024)
def _between(week: Week, start: datetime, end: datetime, tz: ZoneInfo) -> tuple[Interval, ...]:
    # Memoised: a schedule view asks the same (week, window) of every provider who
    # keeps the same hours, and again each time the view is shown.
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date()
    found: list[Interval] = []
    day = first
    while day <= last:
        found.extend(i for i in day_intervals(week, day, tz) if i[0] < end and i[1] > start)
        day += timedelta(days=1)
    return tuple(merge(found))


def open_between(week: Week | None, start: datetime, end: datetime, tz: ZoneInfo) -> list[Interval]:
    """:func:`intervals_between`, or all of ``[start, end)`` when no hours are set."""
    if week is None:
        return [(start, end)]
    return intervals_between(week, start, end, tz)


def covers(intervals: Iterable[Interval], start: datetime, end: datetime) -> bool:
    """Whether ``[start, end)`` lies wholly inside one of the (merged) intervals."""
    return any(lo <= start and end <= hi for lo, hi in intervals)


def intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """The common parts of two sorted, merged interval lists."""
    result: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo < hi:
            result.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result
