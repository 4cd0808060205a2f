"""The booking rules, as typed Conflict records with a plain reason each.

A time is unavailable when it:

* overlaps another active appointment (not cancelled, no-show or deleted) of the same
  provider, room or patient. Each appointment holds its service's preparation time
  before and clean-up time after it, so two appointments clash when those padded
  spans overlap;
* lies outside the provider's working hours or, when they are set, the clinic's
  opening hours (the appointment itself; buffers may spill over);
* touches blocked time: clinic-wide, the provider's (time off) or the room's.

Reasons name times and kinds of things, never a patient. The rules are evaluated on a
:class:`Schedule` loaded once for a window, so the slot finder checks hundreds of
candidates with a handful of queries. Appointment queries use the (provider|room|
patient, start_utc) indexes with a bounded look-back: no appointment lasts longer than
``fieldrules.MAX_DURATION_MINUTES`` nor has buffers longer than ``MAX_BUFFER_MINUTES``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.models import Appointment, BlockedTime, Provider, Service
from receptionist.schedule import blocked, fieldrules, hours
from receptionist.schedule.clinic import ClinicView
from receptionist.schedule.lifecycle import INACTIVE
from receptionist.texts import QT_TRANSLATE_NOOP, Text, When

ConflictKind = Literal[
    "provider_busy",
    "room_busy",
    "patient_busy",
    "outside_provider_hours",
    "outside_clinic_hours",
    "blocked_clinic",
    "blocked_provider",
    "blocked_room",
]
Dimension = Literal["provider", "room", "patient"]

MAX_DURATION = timedelta(minutes=fieldrules.MAX_DURATION_MINUTES)
MAX_BUFFER = timedelta(minutes=fieldrules.MAX_BUFFER_MINUTES)
MAX_SPAN = MAX_DURATION + 2 * MAX_BUFFER  # the longest padded span there can be

# What a clash with another appointment says: (its own time, its buffers too).
_BUSY = {
    "provider": (
        QT_TRANSLATE_NOOP("core", "The provider has another appointment {span}."),
        QT_TRANSLATE_NOOP(
            "core",
            "The provider has another appointment {span} "
            "and the preparation or clean-up time around it.",
        ),
    ),
    "room": (
        QT_TRANSLATE_NOOP("core", "The room is booked {span}."),
        QT_TRANSLATE_NOOP(
            "core", "The room is booked {span} and the preparation or clean-up time around it."
        ),
    ),
    "patient": (
        QT_TRANSLATE_NOOP("core", "The patient has another appointment {span}."),
        QT_TRANSLATE_NOOP(
            "core",
            "The patient has another appointment {span} "
            "and the preparation or clean-up time around it.",
        ),
    ),
}


@dataclass(frozen=True)
class Conflict:
    kind: ConflictKind
    reason: str
    other_id: str | None = None  # the clashing appointment or blocked time


@dataclass(frozen=True)
class Request:
    """A proposed appointment; ``exclude_id`` is the one being moved, if any."""

    start: datetime
    end: datetime
    provider_id: str
    patient_id: str | None = None
    room_id: str | None = None
    before: timedelta = timedelta(0)
    after: timedelta = timedelta(0)
    exclude_id: str | None = None

    @property
    def padded(self) -> tuple[datetime, datetime]:
        return self.start - self.before, self.end + self.after


def buffers(service: Service) -> tuple[timedelta, timedelta]:
    """The preparation time before and the clean-up time after the service."""
    before = timedelta(minutes=service.buffer_before_minutes)
    return before, timedelta(minutes=service.buffer_after_minutes)


@dataclass(frozen=True, order=True)
class Busy:
    start: datetime  # padded
    end: datetime  # padded
    appointment_id: str
    own_start: datetime
    own_end: datetime


class Timeline:
    """The padded busy spans of one provider, room or patient, sorted for bisection."""

    def __init__(self, items: Iterable[Busy] = ()) -> None:
        self._items = sorted(items)
        self._starts = [b.start for b in self._items]

    def clashes(self, start: datetime, end: datetime, exclude: str | None = None) -> list[Busy]:
        lo = bisect_right(self._starts, start - MAX_SPAN)
        hi = bisect_left(self._starts, end)
        return [b for b in self._items[lo:hi] if b.end > start and b.appointment_id != exclude]


@dataclass
class Schedule:
    """What the rules need for one window, loaded once."""

    tz: ZoneInfo
    clinic_week: hours.Week | None
    weeks: dict[str, hours.Week | None]
    timelines: dict[tuple[str, str], Timeline] = field(default_factory=dict)
    blocks: list[BlockedTime] = field(default_factory=list)

    def timeline(self, dimension: Dimension, key: str) -> Timeline:
        return self.timelines.get((dimension, key)) or Timeline()


# -- loading -------------------------------------------------------------------------------


@cache
def _busy_query(dimension: Dimension) -> Executable:
    """Built once per dimension: constructing a statement costs more than running it."""
    column = {
        "provider": Appointment.provider_id,
        "room": Appointment.room_id,
        "patient": Appointment.patient_id,
    }[dimension]
    return (
        select(
            column,
            Appointment.id,
            Appointment.start_utc,
            Appointment.end_utc,
            Service.buffer_before_minutes,
            Service.buffer_after_minutes,
        )
        .join(Service, Service.id == Appointment.service_id)
        .where(
            column.in_(bindparam("keys", expanding=True)),
            Appointment.start_utc > bindparam("earliest"),
            Appointment.start_utc < bindparam("latest"),
            Appointment.end_utc > bindparam("ends_after"),
            Appointment.status.not_in(INACTIVE),
            Appointment.deleted_at.is_(None),
        )
    )


def _timelines(
    session: Session, dimension: Dimension, keys: Sequence[str], start: datetime, end: datetime
) -> dict[tuple[str, str], Timeline]:
    """Busy spans of ``keys`` that can reach into ``[start, end)``: one query on the
    (key, start_utc) index, looking back no further than the longest padded span."""
    params = {
        "keys": list(keys),
        "earliest": start - MAX_DURATION - MAX_BUFFER,
        "latest": end + MAX_BUFFER,
        "ends_after": start - MAX_BUFFER,
    }
    spans: dict[str, list[Busy]] = {key: [] for key in keys}
    for key, app_id, s, e, before, after in session.connection().execute(
        _busy_query(dimension), params
    ):
        pad_s, pad_e = s - timedelta(minutes=before), e + timedelta(minutes=after)
        spans[key].append(Busy(pad_s, pad_e, app_id, s, e))
    return {(dimension, key): Timeline(items) for key, items in spans.items()}


def load(
    session: Session,
    clinic: ClinicView,
    providers: Sequence[Provider],
    start: datetime,
    end: datetime,
    *,
    room_ids: Sequence[str] = (),
    patient_ids: Sequence[str] = (),
) -> Schedule:
    """The schedule for candidates whose padded spans lie within ``[start, end)``."""
    session.flush()  # the appointment queries below run on the connection, without autoflush
    provider_ids = [p.id for p in providers]
    schedule = Schedule(
        tz=zones.zone(clinic.timezone),
        clinic_week=hours.parse_week(clinic.opening_hours),
        weeks={p.id: hours.parse_week(p.working_hours) for p in providers},
    )
    wanted: list[tuple[Dimension, Sequence[str]]] = [
        ("provider", provider_ids),
        ("room", room_ids),
        ("patient", patient_ids),
    ]
    for dimension, keys in wanted:
        if keys:
            schedule.timelines.update(_timelines(session, dimension, keys, start, end))
    schedule.blocks = blocked.list_blocked_time(
        session, start, end, provider_ids=provider_ids, room_ids=room_ids
    )
    return schedule


# -- the rules -----------------------------------------------------------------------------


def _span(start: datetime, end: datetime, tz: ZoneInfo) -> Text:
    lo, hi = start.astimezone(tz), end.astimezone(tz)
    until = When(hi, "time" if hi.date() == lo.date() else "day_time")
    return Text(
        QT_TRANSLATE_NOOP("core", "on {day} from {start} to {end}"),
        day=When(lo, "day"),
        start=When(lo, "time"),
        end=until,
    )


def _busy(schedule: Schedule, req: Request) -> list[Conflict]:
    found = []
    pad_s, pad_e = req.padded
    keys: list[tuple[Dimension, str | None]] = [
        ("provider", req.provider_id),
        ("room", req.room_id),
        ("patient", req.patient_id),
    ]
    for dimension, key in keys:
        if key is None:
            continue
        for busy in schedule.timeline(dimension, key).clashes(pad_s, pad_e, req.exclude_id):
            only_buffers = busy.own_start >= req.end or busy.own_end <= req.start
            template = _BUSY[dimension][1 if only_buffers else 0]
            reason = Text(template, span=_span(busy.own_start, busy.own_end, schedule.tz))
            kind: ConflictKind = f"{dimension}_busy"  # type: ignore[assignment]
            found.append(Conflict(kind, reason, busy.appointment_id))
    return found


def _outside(schedule: Schedule, req: Request) -> list[Conflict]:
    found = []
    provider_hours = QT_TRANSLATE_NOOP(
        "core", "The time is outside the provider's working hours ({hours} on {day})."
    )
    clinic_hours = QT_TRANSLATE_NOOP(
        "core", "The time is outside the clinic's opening hours ({hours} on {day})."
    )
    checks: list[tuple[ConflictKind, hours.Week | None, str]] = [
        ("outside_provider_hours", schedule.weeks.get(req.provider_id), provider_hours),
        ("outside_clinic_hours", schedule.clinic_week, clinic_hours),
    ]
    for kind, week, template in checks:
        if week is None:
            continue
        if hours.covers(
            hours.intervals_between(week, req.start, req.end, schedule.tz), req.start, req.end
        ):
            continue
        day = req.start.astimezone(schedule.tz).date()
        hours_text = hours.describe_day(week, day)
        found.append(Conflict(kind, Text(template, hours=hours_text, day=When(day, "day"))))
    return found


def _blocked(schedule: Schedule, req: Request) -> list[Conflict]:
    found = []
    for block in schedule.blocks:
        if not (block.start_utc < req.end and block.end_utc > req.start):
            continue
        span = _span(block.start_utc, block.end_utc, schedule.tz)
        if block.provider_id is None and block.room_id is None:
            closed = Text(QT_TRANSLATE_NOOP("core", "The clinic is closed {span}."), span=span)
            found.append(Conflict("blocked_clinic", closed, block.id))
        elif block.provider_id is not None and block.provider_id == req.provider_id:
            away = (
                QT_TRANSLATE_NOOP("core", "The provider is on time off {span}.")
                if block.kind == "time_off"
                else QT_TRANSLATE_NOOP("core", "The provider is unavailable {span}.")
            )
            found.append(Conflict("blocked_provider", Text(away, span=span), block.id))
        elif block.room_id is not None and block.room_id == req.room_id:
            room = Text(QT_TRANSLATE_NOOP("core", "The room is unavailable {span}."), span=span)
            found.append(Conflict("blocked_room", room, block.id))
    return found


def evaluate(schedule: Schedule, req: Request) -> list[Conflict]:
    """Every rule ``req`` breaks on ``schedule``; empty when the time is free."""
    return _busy(schedule, req) + _outside(schedule, req) + _blocked(schedule, req)


def check(session: Session, clinic: ClinicView, provider: Provider, req: Request) -> list[Conflict]:
    """Load just what ``req`` needs (a few indexed queries) and evaluate the rules."""
    pad_s, pad_e = req.padded
    schedule = load(
        session,
        clinic,
        [provider],
        pad_s,
        pad_e,
        room_ids=[req.room_id] if req.room_id else [],
        patient_ids=[req.patient_id] if req.patient_id else [],
    )
    return evaluate(schedule, req)
