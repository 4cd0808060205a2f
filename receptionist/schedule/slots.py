"""The slot finder: the next free times for a service, on the clinic's slot grid.

Candidates start on the grid of ``Clinic.slot_minutes`` counted from local midnight
(09:00, 09:15, ... for a 15-minute grid), inside the provider's working hours and the
clinic's opening hours, from a given time on. Each is checked with exactly the rules
a booking is checked with (:func:`conflicts.evaluate`), so a slot offered here books
without a conflict. The schedule is loaded a window at a time (one day, then two, four,
eight), with one query per kind of thing (providers, room, patient, blocked time) and
window, never per candidate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.models import Provider, Room, Service
from receptionist.schedule import catalog, conflicts, hours
from receptionist.schedule.clinic import ClinicView, get_clinic
from receptionist.schedule.conflicts import Request, Schedule
from receptionist.schedule.drafts import bookable, bookable_patient
from receptionist.texts import QT_TRANSLATE_NOOP, Text

FIRST_CHUNK = timedelta(days=1)  # most searches end on the first day; then look further
MAX_CHUNK = timedelta(days=8)
MAX_COUNT = 200
MAX_HORIZON_DAYS = 366


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    provider_id: str
    room_id: str | None = None


@dataclass(frozen=True)
class _Search:
    """What is searched for, fixed for the whole search."""

    clinic: ClinicView
    service: Service
    providers: Sequence[Provider]
    room_id: str | None
    patient_id: str | None

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.service.duration_minutes)

    def request(self, start: datetime, provider_id: str) -> Request:
        before, after = conflicts.buffers(self.service)
        end = start + self.length
        return Request(start, end, provider_id, self.patient_id, self.room_id, before, after)


def find_slots(
    session: Session,
    ctx: Ctx,
    *,
    service_id: str,
    provider_id: str | None = None,
    start_from: datetime | None = None,
    count: int = 5,
    room_id: str | None = None,
    patient_id: str | None = None,
    horizon_days: int = 62,
) -> list[Slot]:
    """The first ``count`` free slots from ``start_from`` (default: now), soonest first.

    Without ``provider_id`` every active provider is tried, and a time free with two
    providers is offered once for each (in name order). ``room_id`` and ``patient_id``
    also have to be free. The search gives up after ``horizon_days``.
    """
    require(
        ctx, "patient.read", Text(QT_TRANSLATE_NOOP("core", "Your role cannot see the schedule."))
    )
    if not 1 <= count <= MAX_COUNT:
        raise ValidationError(
            "count",
            Text(QT_TRANSLATE_NOOP("core", "Ask for 1 to {limit} slots."), limit=MAX_COUNT),
        )
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise ValidationError(
            "horizon_days",
            Text(
                QT_TRANSLATE_NOOP("core", "Search 1 to {limit} days ahead."),
                limit=MAX_HORIZON_DAYS,
            ),
        )
    search = _search(session, service_id, provider_id, room_id, patient_id)
    start = zones.as_utc(start_from or ctx.clock.now(), "start_from")
    stop = start + timedelta(days=horizon_days)
    found: list[Slot] = []
    chunk = FIRST_CHUNK
    while start < stop and len(found) < count:
        end = min(start + chunk, stop)
        found += _free(session, search, start, end, count - len(found))
        start, chunk = end, min(chunk * 2, MAX_CHUNK)
    return found


def _search(
    session: Session,
    service_id: str,
    provider_id: str | None,
    room_id: str | None,
    patient_id: str | None,
) -> _Search:
    service = bookable(session, Service, service_id)
    if provider_id is not None:
        providers: Sequence[Provider] = [bookable(session, Provider, provider_id)]
    else:
        providers = catalog.listing(session, Provider)
    if room_id is not None:
        bookable(session, Room, room_id)
    if patient_id is not None:
        bookable_patient(session, patient_id)
    clinic = get_clinic(session)
    return _Search(clinic, service, providers, room_id, patient_id)


def _free(
    session: Session, search: _Search, start: datetime, end: datetime, wanted: int
) -> list[Slot]:
    """Up to ``wanted`` free slots starting in ``[start, end)``."""
    pad = conflicts.MAX_BUFFER
    schedule = conflicts.load(
        session,
        search.clinic,
        search.providers,
        start - pad,
        end + search.length + pad,
        room_ids=[search.room_id] if search.room_id else [],
        patient_ids=[search.patient_id] if search.patient_id else [],
    )
    found: list[Slot] = []
    day = start
    while day < end and len(found) < wanted:  # a day at a time: stop early, sort little
        until = min(day + timedelta(days=1), end)
        found += _first_free(search, schedule, day, until, wanted - len(found))
        day = until
    return found


def _first_free(
    search: _Search, schedule: Schedule, start: datetime, end: datetime, wanted: int
) -> list[Slot]:
    found: list[Slot] = []
    for slot_start, _, provider_id in sorted(_candidates(search, schedule, start, end)):
        if not conflicts.evaluate(schedule, search.request(slot_start, provider_id)):
            found.append(Slot(slot_start, slot_start + search.length, provider_id, search.room_id))
            if len(found) == wanted:
                break
    return found


def _candidates(
    search: _Search, schedule: Schedule, start: datetime, end: datetime
) -> Iterator[tuple[datetime, int, str]]:
    """(start, provider rank, provider id) of grid times that fit the hours."""
    step = timedelta(minutes=search.clinic.slot_minutes)
    horizon = end + search.length
    clinic = hours.open_between(schedule.clinic_week, start, horizon, schedule.tz)
    for rank, provider in enumerate(search.providers):
        working = hours.open_between(schedule.weeks.get(provider.id), start, horizon, schedule.tz)
        for lo, hi in hours.intersect(working, clinic):
            for slot_start in _grid(max(lo, start), hi - search.length, step, schedule.tz):
                if slot_start < end:
                    yield slot_start, rank, provider.id


def _grid(first: datetime, last: datetime, step: timedelta, tz: ZoneInfo) -> Iterator[datetime]:
    """Grid times from ``first`` to ``last`` inclusive, aligned on local midnight."""
    local = first.astimezone(tz)
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    at = first + (-since_midnight) % step
    while at <= last:
        yield at
        at += step
