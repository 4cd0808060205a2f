"""Read-only queries the schedule needs: what is booked, worked and blocked in a window.

Everything here reads; nothing writes. Times in and out are aware UTC datetimes; the
clinic's time zone is used only to expand weekly hours into UTC intervals, with
``receptionist.hours`` and by the same rule the booking checks use.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from . import hours
from .conflicts import MAX_DURATION
from .context import Ctx
from .errors import PermissionDenied
from .models import BlockedTime, Clinic, Provider, Room, from_micros, to_micros
from .texts import QT_TRANSLATE_NOOP, Text

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
    return _info(_clinic(session))


def _info(clinic: Clinic | None) -> ClinicInfo:
    if clinic is None:
        return ClinicInfo(name="", timezone="UTC", slot_minutes=15)
    return ClinicInfo(
        clinic.name, clinic.timezone, clinic.slot_minutes or 15, clinic.wait_alert_minutes or 15
    )


def providers(session: Session) -> list[Column]:
    rows = session.scalars(
        select(Provider)
        .where(Provider.deleted_at.is_(None), Provider.active.is_(True))
        .order_by(Provider.name)
    )
    return [Column(p.id, p.name, p.colour, "provider") for p in rows]


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
    sql = _WINDOW_SQL
    params: list[object] = [
        to_micros(start_utc - MAX_DURATION),
        to_micros(end_utc),
        to_micros(start_utc),
    ]
    hidden = [] if include_cancelled else sorted(HIDDEN_STATUSES)
    for column, values in (
        ("status", hidden),
        ("provider_id", provider_ids),
        ("room_id", room_ids),
    ):
        if values is not None:
            values = list(values)
            sql += f" AND a.{column} {'NOT ' if column == 'status' else ''}IN "
            sql += f"({', '.join('?' * len(values))})"
            params += values
    # Straight on the driver's cursor, inside the session's transaction: thousands of
    # rows, and SQLAlchemy's per-row result machinery cost more than SQLite itself.
    driver = session.connection().connection.driver_connection
    assert driver is not None
    rows = driver.execute(sql + " ORDER BY a.start_utc", params).fetchall()
    services = {r[0]: (r[1], r[2]) for r in driver.execute("SELECT id, name, colour FROM service")}
    # A week repeats the same few hundred slot boundaries: convert each once.
    instants = {m: from_micros(m) for m in {r[7] for r in rows} | {r[8] for r in rows}}
    missing = ("", "#999999")
    new = tuple.__new__  # AgendaItem._make without the call through the class
    return [
        new(
            AgendaItem, (*r[:6], *services.get(r[5], missing), r[6], instants[r[7]], instants[r[8]])
        )
        for r in rows
    ]


# One hand-tuned query: a busy week is thousands of rows. Every column it reads is in
# ix_appointment_window (the patient's name too, as patient_label), so SQLite walks
# one index range and never touches the table; the lower bound on start lets that
# range be just the window (no appointment is longer than MAX_DURATION). Services are
# few and joined in Python; rows are built from plain tuples, not ORM objects.
_WINDOW_SQL = """
SELECT a.id, a.provider_id, a.room_id, a.patient_id, a.patient_label,
       a.service_id, a.status, a.start_utc, a.end_utc
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
    query = select(Provider).where(Provider.deleted_at.is_(None))
    if provider_ids is not None:
        query = query.where(Provider.id.in_(list(provider_ids)))
    return {p.id: open_.worked(p) for p in session.scalars(query)}


@dataclass(frozen=True)
class _Opening:
    """The clinic as one window needs it: read once, then asked per provider."""

    info: ClinicInfo
    start_utc: datetime
    end_utc: datetime
    intervals: list[hours.Interval]

    @classmethod
    def read(cls, session: Session, start_utc: datetime, end_utc: datetime) -> _Opening:
        clinic = _clinic(session)
        info = _info(clinic)
        week = hours.parse_week(clinic.opening_hours) if clinic is not None else None
        return cls(info, start_utc, end_utc, _open(week, start_utc, end_utc, info.tz))

    def worked(self, provider: Provider) -> list[Interval]:
        week = hours.parse_week(provider.working_hours)
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
    owner = BlockedTime.provider_id if kind == "provider" else BlockedTime.room_id
    rows = session.scalars(
        select(BlockedTime)
        .where(
            BlockedTime.deleted_at.is_(None),
            BlockedTime.start_utc < end_utc,
            BlockedTime.end_utc > start_utc,
            or_(
                owner.in_(list(ids)),
                BlockedTime.provider_id.is_(None) & BlockedTime.room_id.is_(None),
            ),
        )
        .order_by(BlockedTime.start_utc)
    )
    result: dict[str, list[Block]] = {i: [] for i in ids}
    for row in rows:
        block = Block(row.start_utc, row.end_utc, row.kind)
        owner_id = row.provider_id if kind == "provider" else row.room_id
        targets = ids if row.provider_id is None and row.room_id is None else [owner_id]
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
        staff = [
            p
            for p in session.scalars(
                select(Provider)
                .where(Provider.deleted_at.is_(None), Provider.active.is_(True))
                .order_by(Provider.name)
            )
            if wanted is None or p.id in wanted
        ]
        columns = [Column(p.id, p.name, p.colour, "provider") for p in staff]
        chosen = [c.id for c in columns]
        items = appointments(session, start_utc, end_utc, provider_ids=chosen)
        working = {p.id: open_.worked(p) for p in staff}
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


def _clinic(session: Session) -> Clinic | None:
    return session.scalar(select(Clinic).where(Clinic.deleted_at.is_(None)).limit(1))


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
