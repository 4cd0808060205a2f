"""Clinic-local wall time versus UTC: time zones by name, and the DST edge rules.

A wall time skipped by a spring-forward change is refused (or, for a period boundary,
moved to the instant of the jump); an ambiguous wall time (the repeated hour at
fall-back) means its *first* occurrence. Imports only the kernel.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from receptionist.errors import ValidationError
from receptionist.texts import QT_TRANSLATE_NOOP, Text


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (an IANA key such as "Europe/Istanbul").

    A name the zone database does not hold as a zone is refused: unknown, malformed,
    too long, or one of its folders ("Europe", which ``ZoneInfo`` meets as a directory).
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(
            "timezone",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "That time zone is not known; use a name like 'Europe/Istanbul'."
                )
            ),
        ) from None


# -- wall time <-> UTC ---------------------------------------------------------------


def _exists(naive: datetime, tz: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The UTC instant the clocks jump over ``naive`` (which lies in a gap)."""
    low = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)  # before the jump
    high = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)  # after the jump
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(tz).replace(tzinfo=None) > naive:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


def wall_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """Lenient conversion for period boundaries: gap times move to the jump instant."""
    if not _exists(naive, tz):
        return _gap_end(naive, tz)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


# Appointments far outside this range are typing mistakes (and overflow date maths).
EARLIEST_YEAR, LATEST_YEAR = 1900, 2200


def local_to_utc(
    value: datetime | str, tz: ZoneInfo | str, field: str = "start", *, boundary: bool = False
) -> datetime:
    """A clinic-local time (naive datetime or ISO text) as an aware UTC datetime.

    Aware input is only converted. A wall time skipped by a spring-forward change is
    refused, unless it is a ``boundary`` of a period (a day to list, a search's start,
    time off): then it is the instant of the jump, so a day whose midnight does not
    exist (Cairo, Santiago, the Azores) starts when its first hour does. An ambiguous
    time (fall-back) is taken as its first occurrence.
    """
    tzinfo = zone(tz) if isinstance(tz, str) else tz
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "That date and time is not readable; write it like 2026-03-02 09:30.",
                    )
                ),
            ) from None
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The year must be between {low} and {high}."),
                low=EARLIEST_YEAR,
                high=LATEST_YEAR,
            ),
        )
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    if boundary:
        return wall_to_utc(value, tzinfo)
    if not _exists(value, tzinfo):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "{when} does not exist in {zone} because the clocks go forward then; "
                    "pick a time after the change.",
                ),
                when=f"{value:%Y-%m-%d %H:%M}",
                zone=tzinfo.key,
            ),
        )
    return value.replace(tzinfo=tzinfo, fold=0).astimezone(UTC)


def utc_to_local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz)


def as_utc(value: object, field: str) -> datetime:
    """An API time input checked to be an aware datetime, returned in UTC."""
    if not isinstance(value, datetime):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "The {field} time must be a date and time."), field=field
            ),
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The {field} time has no time zone; convert it with local_to_utc first."
                ),
                field=field,
            ),
        )
    return value.astimezone(UTC)


def told(value: datetime, name: str | None) -> str:
    """``value`` as a message tells a time, to the minute: on the clinic's wall clock
    (the zone called ``name``, as the CLI's ``clinic_time``), or, when the zone is not
    known there (none given, or not one this PC's zone database holds), in UTC saying so."""
    if name:
        try:
            return f"{value.astimezone(zone(name)):%Y-%m-%d %H:%M}"
        except ValidationError:
            pass
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
