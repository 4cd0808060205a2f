"""Read-only queries the schedule needs: what is booked, worked and blocked in a window.

Everything here reads; nothing writes. Times in and out are aware UTC datetimes; the
clinic's time zone is used only to expand weekly hours into UTC intervals, with
``receptionist.schedule.hours`` and by the same rule the booking checks use.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import PermissionDenied
from receptionist.models import Room, from_micros, to_micros
from receptionist.schedule import hours
from receptionist.schedule.alerts import window_alerts
from receptionist.schedule.cards import NO_ROOM, AgendaItem, appointments, check_window, dbapi
from receptionist.settings.clinic import PHONE_REGION
from receptionist.texts import QT_TRANSLATE_NOOP, Text

ColumnKind = Literal["provider", "room"]
NO_ROOM_COLOUR = "#b0b7c3"


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    timezone: str
    slot_minutes: int
    wait_alert_minutes: int = 15  # the today board warns after this much waiting
    # Whose phone numbers are shown in national form ("ZZ": none, before set-up).
    phone_region: str = "ZZ"

    @property
    def tz(self) -> ZoneInfo:
        return _zone(self.timezone)


@dataclass(frozen=True)
class Column:
    """One schedule column: a provider or a room."""

    id: str
    name: str
    colour: str
    kind: ColumnKind


@dataclass(frozen=True)
class Interval:
    start_utc: datetime
    end_utc: datetime


@dataclass(frozen=True)
class Block(Interval):
    kind: str = "blocked"  # blocked | time_off


@dataclass(frozen=True)
class Agenda:
    """The schedule of a window: columns, appointments, working and blocked time."""

    clinic: ClinicInfo
    kind: ColumnKind
    start_utc: datetime
    end_utc: datetime
    columns: list[Column]
    items: list[AgendaItem]
    working: dict[str, list[Interval]] = field(default_factory=dict)
    blocked: dict[str, list[Block]] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)  # every provider's name, by id
    # The front-desk alert of each card whose patient has one, by appointment id.
    alerts: dict[str, str] = field(default_factory=dict)


def clinic_info(session: Session) -> ClinicInfo:
    """The clinic's name, zone and slot size; sensible defaults before set-up."""
    return _read_clinic(session)[0]


_CLINIC_KEYS = (
    "clinic.name",
    "clinic.timezone",
    "schedule.slot_minutes",
    "desk.wait_alert_minutes",
    "schedule.opening_hours",
    "clinic.phone_region",
)
_CLINIC_SQL = (
    "SELECT key, value FROM clinic_setting WHERE deleted_at IS NULL AND key IN ("
    + ", ".join(f"'{key}'" for key in _CLINIC_KEYS)
    + ")"
)


def _read_clinic(session: Session) -> tuple[ClinicInfo, hours.Week | None]:
    """The clinic's info and opening hours (``None``: not set, or no clinic yet).

    Read raw (one small query): the window's hot path. Opening hours stay JSON text
    for ``hours.parse_week_json``, which parses each distinct text once.
    """
    found = dict(dbapi(session).execute(_CLINIC_SQL).fetchall())
    name = json.loads(found.get("clinic.name", '""'))
    timezone = json.loads(found.get("clinic.timezone", '"UTC"'))
    slot = json.loads(found.get("schedule.slot_minutes", "15"))
    wait_alert = json.loads(found.get("desk.wait_alert_minutes", "15"))
    week = hours.parse_week_json(found.get("schedule.opening_hours"))
    region = json.loads(found.get("clinic.phone_region", "null")) or PHONE_REGION.default
    return ClinicInfo(name, timezone, slot or 15, wait_alert or 15, str(region).upper()), week


def providers(session: Session) -> list[Column]:
    return [Column(p.id, p.name, p.colour, "provider") for p in _staff(session, active_only=True)]


def rooms(session: Session) -> list[Column]:
    rows = session.scalars(
        select(Room).where(Room.deleted_at.is_(None), Room.active.is_(True)).order_by(Room.name)
    )
    return [Column(r.id, r.name, "#8a94a6", "room") for r in rows]


def working_intervals(
    session: Session,
    start_utc: datetime,
    end_utc: datetime,
    provider_ids: Collection[str] | None = None,
) -> dict[str, list[Interval]]:
    """Each provider's bookable time in the window: their hours within the clinic's.

    The rule of the booking checks (``receptionist.schedule.conflicts``): hours that are not
    set do not restrict, so a provider without hours works whenever the clinic is
    open, and a clinic without opening hours is open all day.
    """
    check_window(start_utc, end_utc)
    open_ = _Opening.read(session, start_utc, end_utc)
    staff = _staff(session, active_only=False)
    wanted = None if provider_ids is None else set(provider_ids)
    return {p.id: open_.worked(p.week) for p in staff if wanted is None or p.id in wanted}


class _Staff(NamedTuple):
    id: str
    name: str
    colour: str
    week: hours.Week | None


def _staff(session: Session, *, active_only: bool) -> list[_Staff]:
    """Providers by name, with their hours parsed (memoised on the stored JSON)."""
    sql = "SELECT id, name, colour, working_hours FROM provider WHERE deleted_at IS NULL"
    rows = dbapi(session).execute(sql + (" AND active" if active_only else "") + " ORDER BY name")
    return [_Staff(i, n, c, hours.parse_week_json(h)) for i, n, c, h in rows]


@dataclass(frozen=True)
class _Opening:
    """The clinic as one window needs it: read once, then asked per provider."""

    info: ClinicInfo
    start_utc: datetime
    end_utc: datetime
    intervals: list[hours.Interval]

    @classmethod
    def read(cls, session: Session, start_utc: datetime, end_utc: datetime) -> _Opening:
        info, week = _read_clinic(session)
        return cls(info, start_utc, end_utc, _open(week, start_utc, end_utc, info.tz))

    def worked(self, week: hours.Week | None) -> list[Interval]:
        own = _open(week, self.start_utc, self.end_utc, self.info.tz)
        return [Interval(lo, hi) for lo, hi in hours.intersect(own, self.intervals)]

    def all_open(self, ids: Collection[str]) -> dict[str, list[Interval]]:
        return {i: [Interval(lo, hi) for lo, hi in self.intervals] for i in ids}


def blocked_intervals(
    session: Session,
    start_utc: datetime,
    end_utc: datetime,
    *,
    kind: ColumnKind,
    ids: Collection[str],
) -> dict[str, list[Block]]:
    """Blocked time per provider (or room) in the window; clinic-wide blocks go to all."""
    check_window(start_utc, end_utc)
    ids = list(ids)
    owner = "provider_id" if kind == "provider" else "room_id"
    rows = dbapi(session).execute(
        "SELECT start_utc, end_utc, kind, provider_id, room_id FROM blocked_time"
        " WHERE deleted_at IS NULL AND start_utc < ? AND end_utc > ?"
        f" AND ({owner} IN ({', '.join('?' * len(ids))})"
        " OR (provider_id IS NULL AND room_id IS NULL))"
        " ORDER BY start_utc",
        [to_micros(end_utc), to_micros(start_utc), *ids],
    )
    result: dict[str, list[Block]] = {i: [] for i in ids}
    for start, end, block_kind, provider_id, room_id in rows:
        block = Block(from_micros(start), from_micros(end), block_kind)
        owner_id = provider_id if kind == "provider" else room_id
        targets = ids if provider_id is None and room_id is None else [owner_id]
        for target in targets:
            if target in result:
                result[target].append(block)
    return result


def load(
    session: Session,
    ctx: Ctx,
    start_utc: datetime,
    end_utc: datetime,
    *,
    kind: ColumnKind = "provider",
    ids: Sequence[str] | None = None,
) -> Agenda:
    """Everything one schedule window shows, for the chosen providers or rooms."""
    if not ctx.actor.may("patient.read"):
        raise PermissionDenied(
            Text(QT_TRANSLATE_NOOP("core", "Your role may not see the schedule."))
        )
    check_window(start_utc, end_utc)
    open_ = _Opening.read(session, start_utc, end_utc)
    wanted = None if ids is None else set(ids)
    if kind == "provider":
        staff = [p for p in _staff(session, active_only=True) if wanted is None or p.id in wanted]
        columns = [Column(p.id, p.name, p.colour, "provider") for p in staff]
        chosen = [c.id for c in columns]
        items = appointments(session, start_utc, end_utc, provider_ids=chosen)
        working = {p.id: open_.worked(p.week) for p in staff}
    else:
        columns = [c for c in rooms(session) if wanted is None or c.id in wanted]
        if wanted is None or NO_ROOM in wanted:  # last: whose appointments have no room
            columns.append(Column(NO_ROOM, "", NO_ROOM_COLOUR, "room"))
        chosen = [c.id for c in columns]
        items = appointments(session, start_utc, end_utc, room_ids=chosen)
        working = open_.all_open(chosen)  # rooms are open when the clinic is
    blocked = blocked_intervals(session, start_utc, end_utc, kind=kind, ids=chosen)
    # Room columns hold anyone's cards: they name the provider.
    everyone = staff if kind == "provider" else _staff(session, active_only=False)
    names = {p.id: p.name for p in everyone}
    alerts = window_alerts(session, start_utc, end_utc)
    return Agenda(
        open_.info, kind, start_utc, end_utc, columns, items, working, blocked, names, alerts
    )


OPEN_DAY_SEARCH = 28  # how far ahead the next open day is looked for


def next_open_day(session: Session, day: date) -> date | None:
    """``None`` when the clinic opens on ``day``; else the first day after it that it
    opens (``day`` itself when none does within four weeks: nothing to offer).

    A day is open when some of its opening hours are not blocked for the whole clinic
    (a holiday, a closure): the hours and those blocks of the four weeks, read once."""
    info, week = _read_clinic(session)
    if week is None:
        return None
    closures = _clinic_closures(session, *day_window(day, info.tz, OPEN_DAY_SEARCH + 1))

    def opens(on: date) -> bool:
        parts = hours.day_intervals(week, on, info.tz)
        return any(not hours.covers(closures, lo, hi) for lo, hi in parts)

    if opens(day):
        return None
    return next(
        (later for n in range(1, OPEN_DAY_SEARCH + 1) if opens(later := day + timedelta(days=n))),
        day,
    )


def _clinic_closures(
    session: Session, start_utc: datetime, end_utc: datetime
) -> list[hours.Interval]:
    """The clinic-wide blocks (neither provider nor room) touching the window, merged."""
    rows = dbapi(session).execute(
        "SELECT start_utc, end_utc FROM blocked_time WHERE deleted_at IS NULL"
        " AND provider_id IS NULL AND room_id IS NULL AND start_utc < ? AND end_utc > ?",
        [to_micros(end_utc), to_micros(start_utc)],
    )
    return hours.merge((from_micros(lo), from_micros(hi)) for lo, hi in rows)


def _open(
    week: hours.Week | None, start_utc: datetime, end_utc: datetime, tz: ZoneInfo
) -> list[hours.Interval]:
    if week is None:
        return [(start_utc, end_utc)]
    return hours.intervals_between(week, start_utc, end_utc, tz)


def day_window(day: date, tz: ZoneInfo, days: int = 1) -> tuple[datetime, datetime]:
    """The UTC instants where local ``day`` starts and ``days`` days later ends."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=days), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
