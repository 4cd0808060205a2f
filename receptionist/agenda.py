"""Read-only queries the schedule needs: what is booked, worked and blocked in a window.

Everything here reads; nothing writes. Times in and out are aware UTC datetimes; the
clinic's time zone is used only to expand weekly hours into UTC intervals, with
``receptionist.hours`` and by the same rule the booking checks use.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import heap, hours
from .conflicts import MAX_DURATION
from .context import Ctx
from .errors import PermissionDenied
from .models import Room, from_micros, to_micros
from .texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger(__name__)

ColumnKind = Literal["provider", "room"]
HIDDEN_STATUSES = frozenset({"cancelled"})


@dataclass(frozen=True)
class ClinicInfo:
    name: str
    timezone: str
    slot_minutes: int
    wait_alert_minutes: int = 15  # the today board warns after this much waiting

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


class AgendaItem(NamedTuple):
    """One appointment as the schedule shows it (no more patient data than a card needs)."""

    id: str
    provider_id: str
    room_id: str | None
    patient_id: str
    patient_name: str
    service_id: str
    service_name: str
    service_colour: str
    status: str
    start_utc: datetime
    end_utc: datetime


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


def clinic_info(session: Session) -> ClinicInfo:
    """The clinic's name, zone and slot size; sensible defaults before set-up."""
    return _read_clinic(session)[0]


def _read_clinic(session: Session) -> tuple[ClinicInfo, hours.Week | None]:
    """The clinic's info and opening hours (``None``: not set, or no clinic yet)."""
    row = (
        _driver(session)
        .execute(
            "SELECT name, timezone, slot_minutes, wait_alert_minutes, opening_hours"
            " FROM clinic WHERE deleted_at IS NULL LIMIT 1"
        )
        .fetchone()
    )
    if row is None:
        return ClinicInfo(name="", timezone="UTC", slot_minutes=15), None
    name, timezone, slot, wait_alert, opening = row
    return ClinicInfo(name, timezone, slot or 15, wait_alert or 15), hours.parse_week_json(opening)


def providers(session: Session) -> list[Column]:
    return [Column(p.id, p.name, p.colour, "provider") for p in _staff(session, active_only=True)]


def rooms(session: Session) -> list[Column]:
    rows = session.scalars(
        select(Room).where(Room.deleted_at.is_(None), Room.active.is_(True)).order_by(Room.name)
    )
    return [Column(r.id, r.name, "#8a94a6", "room") for r in rows]


def appointments(
    session: Session,
    start_utc: datetime,
    end_utc: datetime,
    *,
    provider_ids: Collection[str] | None = None,
    room_ids: Collection[str] | None = None,
    include_cancelled: bool = False,
) -> list[AgendaItem]:
    """Appointments overlapping [start, end), for the given providers or rooms."""
    _check_window(start_utc, end_utc)
    sql, params = window_query(
        start_utc,
        end_utc,
        provider_ids=provider_ids,
        room_ids=room_ids,
        include_cancelled=include_cancelled,
    )
    driver = _driver(session)
    services = {r[0]: (r[1], r[2]) for r in driver.execute("SELECT id, name, colour FROM service")}
    with heap.paused():
        rows = driver.execute(sql, params).fetchall()
        # A week repeats the same few hundred slot boundaries and a few hundred card
        # kinds: convert each once, not per row.
        instants = {m: from_micros(m) for m in {r[4] for r in rows} | {r[5] for r in rows}}
        numbers = {r[3] for r in rows}
        kinds = _kinds(driver, numbers, services)
        if len(kinds) < len(numbers):
            rows = _strays_resolved(driver, rows, kinds, services)
        new = tuple.__new__  # AgendaItem._make without the call through the class
        items: list[AgendaItem] = []
        add = items.append
        for id_, patient_id, label, kind, start, end in rows:
            provider_id, room_id, service_id, service_name, colour, status = kinds[kind]
            add(
                new(
                    AgendaItem,
                    (
                        id_,
                        provider_id,
                        room_id,
                        patient_id,
                        label,
                        service_id,
                        service_name,
                        colour,
                        status,
                        instants[start],
                        instants[end],
                    ),
                )
            )
        del rows  # freed now, so the collection that ends the pause walks only the cards
    return items


def window_query(
    start_utc: datetime,
    end_utc: datetime,
    *,
    provider_ids: Collection[str] | None = None,
    room_ids: Collection[str] | None = None,
    include_cancelled: bool = False,
) -> tuple[str, list[object]]:
    """The SQL and parameters of ``appointments``: rows of (id, patient id, patient
    label, card kind number, start micros, end micros), by start."""
    params: list[object] = [
        to_micros(start_utc - MAX_DURATION),
        to_micros(end_utc),
        to_micros(start_utc),
    ]
    conditions: list[str] = []
    hidden = None if include_cancelled else sorted(HIDDEN_STATUSES)
    for column, values, negated in (
        ("status", hidden, True),
        ("provider_id", provider_ids, False),
        ("room_id", room_ids, False),
    ):
        if values is not None:
            values = list(values)
            conditions.append(
                f"k.{column} {'NOT ' if negated else ''}IN ({', '.join('?' * len(values))})"
            )
            params += values
    sql = _WINDOW_SQL
    if conditions:
        where = " AND ".join(conditions)
        sql += f" AND a.card_kind IN (SELECT k.no FROM card_kind AS k WHERE {where})"
    return sql + " ORDER BY a.start_utc", params


_Kind = tuple[str, str | None, str, str, str, str]


def _kinds(
    driver: Any, numbers: set[object], services: dict[str, tuple[str, str]]
) -> dict[object, _Kind]:
    """(provider, room, service, service name, colour, status) of each card kind."""
    if not numbers:
        return {}
    rows = driver.execute(
        "SELECT no, provider_id, room_id, service_id, status FROM card_kind"
        f" WHERE no IN ({', '.join('?' * len(numbers))})",
        list(numbers),
    )
    kinds: dict[object, _Kind] = {}
    for no, provider_id, room_id, service_id, status in rows:
        name, colour = services.get(service_id, ("", "#999999"))
        kinds[no] = (provider_id, room_id or None, service_id, name, colour, status)
    return kinds


def _strays_resolved(
    driver: Any, rows: list[Any], kinds: dict[object, _Kind], services: dict[str, tuple[str, str]]
) -> list[Any]:
    """Rows whose kind number is not on file get their kind from their own row.

    The triggers never let that happen; if it did (a hand edit with the triggers
    dropped), the week still shows, and the log says what puts it right."""
    stray = [r[0] for r in rows if r[3] not in kinds]
    found = driver.execute(
        "SELECT id, provider_id, room_id, service_id, status FROM appointment"
        f" WHERE id IN ({', '.join('?' * len(stray))})",
        stray,
    )
    for id_, provider_id, room_id, service_id, status in found:
        name, colour = services.get(service_id, ("", "#999999"))
        kinds[("row", id_)] = (provider_id, room_id or None, service_id, name, colour, status)
    log.warning(
        "%d schedule cards have a kind number that is not on file; "
        "run `receptionist check --repair`",
        len(stray),
    )
    return [r if r[3] in kinds else (*r[:3], ("row", r[0]), *r[4:]) for r in rows]


def _driver(session: Session) -> Any:
    """The session's DB-API connection, inside its transaction: for queries of many
    rows, where SQLAlchemy's per-row result machinery costs more than SQLite itself.
    Pending ORM changes are flushed first, as an ORM query would (autoflush)."""
    session.flush()
    driver = session.connection().connection.driver_connection
    assert driver is not None
    return driver


# One hand-tuned query: a busy week is thousands of rows. Every column it reads is in
# ix_appointment_window (the patient's name too, as patient_label), so SQLite walks
# one index range and never touches the table; the lower bound on start lets that
# range be just the window (no appointment is longer than MAX_DURATION). The index
# holds a card's provider, room, service and status as one small local number
# (card_kind, migration 0008): a week shares a few hundred of them, so the index
# entries are half as long (half the pages to decrypt) and Python converts each kind
# once, not once per card. Filters on those four columns go through card_kind too.
_WINDOW_SQL = """
SELECT a.id, a.patient_id, a.patient_label, a.card_kind, a.start_utc, a.end_utc
FROM appointment AS a INDEXED BY ix_appointment_window
WHERE a.deleted_at IS NULL
  AND a.start_utc > ? AND a.start_utc < ? AND a.end_utc > ?"""


def working_intervals(
    session: Session,
    start_utc: datetime,
    end_utc: datetime,
    provider_ids: Collection[str] | None = None,
) -> dict[str, list[Interval]]:
    """Each provider's bookable time in the window: their hours within the clinic's.

    The rule of the booking checks (``receptionist.conflicts``): hours that are not
    set do not restrict, so a provider without hours works whenever the clinic is
    open, and a clinic without opening hours is open all day.
    """
    _check_window(start_utc, end_utc)
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
    rows = _driver(session).execute(sql + (" AND active" if active_only else "") + " ORDER BY name")
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
    _check_window(start_utc, end_utc)
    ids = list(ids)
    owner = "provider_id" if kind == "provider" else "room_id"
    rows = _driver(session).execute(
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
    _check_window(start_utc, end_utc)
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
        chosen = [c.id for c in columns]
        items = appointments(session, start_utc, end_utc, room_ids=chosen)
        working = open_.all_open(chosen)  # rooms are open when the clinic is
    blocked = blocked_intervals(session, start_utc, end_utc, kind=kind, ids=chosen)
    return Agenda(open_.info, kind, start_utc, end_utc, columns, items, working, blocked)


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


def _check_window(start_utc: datetime, end_utc: datetime) -> None:
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("schedule windows are timezone-aware")
    if end_utc <= start_utc:
        raise ValueError("a schedule window ends after it starts")
