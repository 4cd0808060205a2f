"""Operations on appointments: book, move, cancel, move along their life, the dry run
of a move, and reading them (one, or those of a stretch of days).

The rules (conflicts and their override, whole minutes, the lifecycle) live in
``receptionist.schedule``; each function here owns its transaction and returns
:class:`AppointmentInfo` (or the reasons a move would be refused), never an ORM row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.context import Ctx
from receptionist.errors import ValidationError
from receptionist.models import Appointment
from receptionist.ops.appointmentinfo import AppointmentInfo, info, infos
from receptionist.schedule import booking, lifecycle
from receptionist.schedule.agenda import clinic_info
from receptionist.schedule.booking import KEEP, Draft, Keep
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = [
    "KEEP",
    "MAX_DAYS",
    "STATUSES",
    "AppointmentInfo",
    "BookRequest",
    "Keep",
    "MoveRequest",
    "between",
    "book",
    "cancel",
    "check_book",
    "check_move",
    "days",
    "move",
    "of_patient",
    "set_status",
    "show",
]

STATUSES = lifecycle.STATUSES
MAX_DAYS = 366  # the longest stretch :func:`days` lists at once


@dataclass(frozen=True)
class BookRequest:
    """A new appointment; ``end`` defaults to the start plus the service's length."""

    patient_id: str
    provider_id: str
    service_id: str
    start: datetime  # aware
    end: datetime | None = None
    room_id: str | None = None
    notes: str = ""
    override_reason: str | None = None  # book over a clash (managers), saying why


@dataclass(frozen=True)
class MoveRequest:
    """What a move changes; what is left out stays. A new ``start`` alone keeps the
    length, an ``end`` alone resizes; ``room_id=None`` takes the room away."""

    start: datetime | None = None
    end: datetime | None = None
    provider_id: str | None = None
    room_id: str | Keep | None = KEEP
    override_reason: str | None = None


def book(db: Database, ctx: Ctx, req: BookRequest) -> AppointmentInfo:
    """Book it, or raise ConflictError (nothing written) when it clashes and no
    override reason was given by someone who may override. A copy restored to look at
    takes none (refused by ``db.write``, as every write there: ``lookcopy``)."""
    with db.write() as s:
        appt = booking.book(
            s,
            ctx,
            patient_id=req.patient_id,
            provider_id=req.provider_id,
            service_id=req.service_id,
            start=req.start,
            end=req.end,
            room_id=req.room_id,
            notes=req.notes,
            override_reason=req.override_reason,
        )
        s.flush()
        return info(s, appt)


def check_book(db: Database, ctx: Ctx, req: BookRequest) -> list[str]:
    """Why :func:`book` would refuse ``req``, one sentence (a ``Text``) per clash;
    empty when it would not. Writes nothing (the booking dialog's check of a time
    picked on the schedule, before Enter)."""
    draft = Draft(req.patient_id, req.provider_id, req.service_id, req.start, req.end, req.room_id)
    with db.read() as s:
        return [c.reason for c in booking.check(s, ctx, draft)]


def move(db: Database, ctx: Ctx, appointment_id: str, req: MoveRequest) -> AppointmentInfo:
    """Another time, length, provider or room, with the booking's conflict checks and
    override: the app's drag, the CLI's ``appointment move`` and sync alike."""
    with db.write() as s:
        return info(s, reschedule(s, ctx, appointment_id, req))


def reschedule(s: Session, ctx: Ctx, appointment_id: str, req: MoveRequest) -> Appointment:
    """:func:`move` inside a transaction of the caller's (``ops.undo.move`` too)."""
    return booking.reschedule(
        s,
        ctx,
        appointment_id,
        start=req.start,
        end=req.end,
        provider_id=req.provider_id,
        room_id=req.room_id,
        override_reason=req.override_reason,
    )


def check_move(db: Database, ctx: Ctx, appointment_id: str, req: MoveRequest) -> list[str]:
    """Why :func:`move` would refuse ``req``, one sentence (a ``Text``) per clash;
    empty when it would not. Writes nothing (the drag's dry run)."""
    with db.read() as s:
        found = booking.check_move(
            s,
            ctx,
            appointment_id,
            start=req.start,
            end=req.end,
            provider_id=req.provider_id,
            room_id=req.room_id,
        )
        return [c.reason for c in found]


def cancel(db: Database, ctx: Ctx, appointment_id: str, reason: str) -> AppointmentInfo:
    with db.write() as s:
        return info(s, booking.cancel(s, ctx, appointment_id, reason))


def set_status(
    db: Database, ctx: Ctx, appointment_id: str, status: str, reason: str = ""
) -> AppointmentInfo:
    """Move it along its life (``cancelled`` needs a ``reason``)."""
    with db.write() as s:
        return info(s, booking.set_status(s, ctx, appointment_id, status, reason))


def show(db: Database, ctx: Ctx, appointment_id: str) -> AppointmentInfo:
    with db.read() as s:
        return info(s, booking.get_appointment(s, ctx, appointment_id))


def between(
    db: Database,
    ctx: Ctx,
    start: datetime,
    end: datetime,
    *,
    provider_id: str | None = None,
    include_inactive: bool = False,
) -> list[AppointmentInfo]:
    """Appointments overlapping ``[start, end)``, by start; cancelled ones and no-shows
    only with ``include_inactive``."""
    with db.read() as s:
        rows = booking.list_appointments(
            s, ctx, start, end, provider_id=provider_id, include_inactive=include_inactive
        )
        return infos(s, rows)


def of_patient(db: Database, ctx: Ctx, patient_id: str, since: datetime) -> list[AppointmentInfo]:
    """A patient's appointments starting from ``since`` on, of every status, by start."""
    until = datetime(zones.LATEST_YEAR + 1, 1, 1, tzinfo=UTC)
    with db.read() as s:
        rows = booking.list_appointments(
            s, ctx, since, until, patient_id=patient_id, include_inactive=True
        )
        return infos(s, [a for a in rows if a.start_utc >= since])


def days(
    db: Database,
    ctx: Ctx,
    first: date | None = None,
    count: int = 1,
    *,
    provider_id: str | None = None,
    include_inactive: bool = False,
) -> list[AppointmentInfo]:
    """The appointments of ``count`` of the clinic's local days from ``first`` (default:
    its today). A day whose midnight never happens starts when its first hour does."""
    with db.read() as s:
        tz = clinic_info(s).tz
        first = first or ctx.clock.now().astimezone(tz).date()
        start, end = _window(first, count, tz)
        rows = booking.list_appointments(
            s, ctx, start, end, provider_id=provider_id, include_inactive=include_inactive
        )
        return infos(s, rows)


def _window(first: date, count: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    if not zones.EARLIEST_YEAR <= first.year <= zones.LATEST_YEAR:
        raise ValidationError(
            "date",
            Text(
                QT_TRANSLATE_NOOP("core", "The year must be between {earliest} and {latest}."),
                earliest=zones.EARLIEST_YEAR,
                latest=zones.LATEST_YEAR,
            ),
        )
    if not 1 <= count <= MAX_DAYS:
        raise ValidationError(
            "days",
            Text(QT_TRANSLATE_NOOP("core", "List from 1 to {most} days."), most=MAX_DAYS),
        )
    if (first + timedelta(days=count)).year > zones.LATEST_YEAR:
        raise ValidationError(
            "days",
            Text(
                QT_TRANSLATE_NOOP("core", "The days listed must end before {year}."),
                year=zones.LATEST_YEAR + 1,
            ),
        )
    start, end = (
        zones.local_to_utc(datetime.combine(d, time()), tz, field="date", boundary=True)
        for d in (first, first + timedelta(days=count))
    )
    return start, end
