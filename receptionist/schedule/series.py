"""Recurring weekly appointments: plan a series, book its clean occurrences.

Occurrences keep the first one's *local* wall time (09:00 stays 09:00 across a
daylight-saving change) and its length. Each is checked like a single booking; the
clean ones are booked under one ``series_id`` and the rest are reported with their
conflicts, for a person to place by hand. An occurrence whose wall time does not
exist (it falls in a spring-forward gap) is reported with a ``problem`` instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx, require
from receptionist.errors import ConflictError, ValidationError
from receptionist.journal import audit
from receptionist.models import Appointment, Service, new_id
from receptionist.schedule import booking, catalog, drafts
from receptionist.schedule.clinic import get_clinic
from receptionist.schedule.conflicts import Conflict
from receptionist.schedule.drafts import Draft
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

MAX_OCCURRENCES = 104


@dataclass(frozen=True)
class Occurrence:
    index: int  # 0 for the first
    start: datetime | None  # None when the wall time does not exist that day
    end: datetime | None
    conflicts: list[Conflict] = field(default_factory=list)
    problem: str = ""
    appointment_id: str | None = None

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.problem


@dataclass(frozen=True)
class SeriesResult:
    series_id: str
    occurrences: list[Occurrence]

    @property
    def booked(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.appointment_id is not None]

    @property
    def skipped(self) -> list[Occurrence]:
        return [o for o in self.occurrences if o.appointment_id is None]


def _check_counts(count: int, every_weeks: int) -> None:
    if not 1 <= count <= MAX_OCCURRENCES:
        raise ValidationError(
            "count",
            Text(
                QT_TRANSLATE_NOOP("core", "A series has 1 to {limit} occurrences."),
                limit=MAX_OCCURRENCES,
            ),
        )
    if not 1 <= every_weeks <= 52:
        raise ValidationError(
            "every_weeks", Text(QT_TRANSLATE_NOOP("core", "Repeat every 1 to 52 weeks."))
        )


def _dates(
    session: Session, first: Draft, count: int, every_weeks: int
) -> list[tuple[int, datetime | None, datetime | None, str]]:
    """(index, start, end, problem) of each occurrence, in UTC."""
    tz = zones.zone(get_clinic(session).timezone)
    start = zones.as_utc(first.start, "start")
    if first.end is None:
        service = catalog.get(session, Service, first.service_id)
        length = timedelta(minutes=service.duration_minutes)
    else:
        length = zones.as_utc(first.end, "end") - start
    wall = start.astimezone(tz).replace(tzinfo=None)
    result: list[tuple[int, datetime | None, datetime | None, str]] = []
    for index in range(count):
        local = wall + timedelta(weeks=index * every_weeks)
        try:
            at = zones.local_to_utc(local, tz)
        except ValidationError as exc:
            result.append((index, None, None, message(exc)))  # a Text: kept translatable
            continue
        result.append((index, at, at + length, ""))
    return result


def plan_series(
    session: Session, ctx: Ctx, first: Draft, count: int, every_weeks: int = 1
) -> list[Occurrence]:
    """Each occurrence with its conflicts, booking nothing (for a preview)."""
    _check_counts(count, every_weeks)
    plan = []
    for index, start, end, problem in _dates(session, first, count, every_weeks):
        found = []
        if start is not None:
            found = drafts.check(session, ctx, replace(first, start=start, end=end))
        plan.append(Occurrence(index, start, end, found, problem))
    return plan


def book_series(
    session: Session,
    ctx: Ctx,
    first: Draft,
    count: int,
    every_weeks: int = 1,
    notes: str = "",
) -> SeriesResult:
    """Book every clean occurrence under one series id; report the others.

    Errors other than conflicts (unknown patient, inactive provider, ...) apply to the
    whole series and are raised; the write transaction then leaves nothing behind.
    """
    require(ctx, "appointment.book", booking.CANNOT_BOOK)
    _check_counts(count, every_weeks)
    series_id = new_id()
    done = []
    for index, start, end, problem in _dates(session, first, count, every_weeks):
        if start is None:
            done.append(Occurrence(index, None, None, problem=problem))
            continue
        draft = replace(first, start=start, end=end)
        try:
            made = booking.book_draft(session, ctx, draft, notes, series_id=series_id)
        except ConflictError as exc:
            done.append(Occurrence(index, start, end, list(exc.conflicts)))
            continue
        done.append(Occurrence(index, start, end, appointment_id=made.id))
    result = SeriesResult(series_id, done)
    if result.booked:
        audit.record(session, ctx, "create", "series", series_id)
    return result


def series_appointments(session: Session, series_id: str) -> list[Appointment]:
    """The appointments of a series, by start (cancelled ones included)."""
    query = select(Appointment).where(
        Appointment.series_id == series_id, Appointment.deleted_at.is_(None)
    )
    return list(session.scalars(query.order_by(Appointment.start_utc)))
