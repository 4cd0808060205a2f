"""The waitlist (ASAP list): who wants an earlier slot, and who fits a slot that frees.

An entry names a patient and a service, optionally a provider, a date range and the
times of day and weekdays that suit them. When an appointment is cancelled,
:func:`candidates_for` lists the active entries whose wishes the freed time meets,
best first: the most urgent, then those who asked for this very service and this
provider, then whoever has waited longest. Changes are audited by id only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.freetext import clean_text
from receptionist.journal import records
from receptionist.models import Appointment, Patient, Provider, Service, WaitlistEntry
from receptionist.patients import search
from receptionist.patients.search import PatientRow
from receptionist.privacy import anonymised
from receptionist.schedule import appointments, lifecycle
from receptionist.schedule.agenda import clinic_info
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import as_utc

ENTITY: Final = "waitlist_entry"
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Local start hour ranges [from, to) of each part of the day.
TIMES_OF_DAY: Final[dict[str, tuple[int, int]]] = {
    "morning": (0, 12),
    "afternoon": (12, 17),
    "evening": (17, 24),
}
PRIORITIES: Final = (0, 1, 2)  # normal, soon, urgent
MAX_NOTE_CHARS: Final = 1000
LABELS: Final[dict[str, Text]] = {  # how a message names a field
    "times_of_day": Text(QT_TRANSLATE_NOOP("core", "times of day")),
    "weekdays": Text(QT_TRANSLATE_NOOP("core", "weekdays")),
}
_GONE: Final = Text(QT_TRANSLATE_NOOP("core", "That waitlist entry is gone."))
_NO_PATIENT: Final = Text(QT_TRANSLATE_NOOP("core", "That patient no longer exists."))
_CANNOT_CHANGE: Final = Text(QT_TRANSLATE_NOOP("core", "Your role cannot change the waitlist."))
_CANNOT_SEE: Final = Text(QT_TRANSLATE_NOOP("core", "Your role cannot see the waitlist."))


@dataclass(frozen=True)
class WaitlistRow:
    """An entry as the desk shows it."""

    id: str
    patient_id: str
    patient_name: str
    service_id: str
    service_name: str
    provider_id: str | None
    provider_name: str
    earliest_date: date | None
    latest_date: date | None
    times_of_day: tuple[str, ...]
    weekdays: tuple[str, ...]
    note: str
    priority: int
    status: str
    created_at: datetime


def add(
    session: Session,
    ctx: Ctx,
    *,
    patient_id: str,
    service_id: str,
    provider_id: str | None = None,
    earliest: date | None = None,
    latest: date | None = None,
    times_of_day: Iterable[str] = (),
    weekdays: Iterable[str] = (),
    note: str = "",
    priority: int = 0,
) -> WaitlistEntry:
    """Put a patient on the waitlist."""
    require(
        ctx,
        "appointment.book",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot add patients to the waitlist.")),
    )
    fields = _checked(
        session, patient_id, service_id, provider_id, earliest, latest,
        times_of_day, weekdays, note, priority,
    )  # fmt: skip
    entry = WaitlistEntry(**fields, created_by=ctx.actor.user_id, status="active")
    records.insert(session, ctx, entry, ENTITY)
    return entry


def update(
    session: Session,
    ctx: Ctx,
    entry_id: str,
    *,
    patient_id: str,
    service_id: str,
    provider_id: str | None = None,
    earliest: date | None = None,
    latest: date | None = None,
    times_of_day: Iterable[str] = (),
    weekdays: Iterable[str] = (),
    note: str = "",
    priority: int = 0,
) -> WaitlistEntry:
    """Change an active entry's wishes; the same checks as :func:`add`. No change, no write."""
    require(ctx, "appointment.book", _CANNOT_CHANGE)
    entry = _active(session, entry_id)
    fields = _checked(
        session, patient_id, service_id, provider_id, earliest, latest,
        times_of_day, weekdays, note, priority,
    )  # fmt: skip
    records.update(session, ctx, entry, ENTITY, fields)
    return entry


def _checked(
    session: Session,
    patient_id: str,
    service_id: str,
    provider_id: str | None,
    earliest: date | None,
    latest: date | None,
    times_of_day: Iterable[str],
    weekdays: Iterable[str],
    note: str,
    priority: int,
) -> dict[str, object]:
    """An entry's fields, checked and cleaned, or a ValidationError / NotFound."""
    anonymised.refuse(records.live(session, Patient, patient_id, _NO_PATIENT))
    records.live(
        session,
        Service,
        service_id,
        Text(QT_TRANSLATE_NOOP("core", "That service no longer exists.")),
    )
    if provider_id is not None:
        records.live(
            session,
            Provider,
            provider_id,
            Text(QT_TRANSLATE_NOOP("core", "That provider no longer exists.")),
        )
    if earliest is not None and latest is not None and latest < earliest:
        raise ValidationError(
            "latest_date",
            Text(QT_TRANSLATE_NOOP("core", "The last date must not be before the first date.")),
        )
    if priority not in PRIORITIES:
        raise ValidationError(
            "priority",
            Text(QT_TRANSLATE_NOOP("core", "Priority is 0 (normal), 1 (soon) or 2 (urgent).")),
        )
    return {
        "patient_id": patient_id,
        "service_id": service_id,
        "provider_id": provider_id,
        "earliest_date": earliest,
        "latest_date": latest,
        "times_of_day": _choices(times_of_day, TIMES_OF_DAY, "times_of_day"),
        "weekdays": _choices(weekdays, WEEKDAYS, "weekdays"),
        "note": clean_text(note, "note", MAX_NOTE_CHARS),
        "priority": priority,
    }


def _active(session: Session, entry_id: str) -> WaitlistEntry:
    entry = records.live(session, WaitlistEntry, entry_id, _GONE)
    if entry.status != "active":
        raise ValidationError(
            "status", Text(QT_TRANSLATE_NOOP("core", "That patient is no longer on the waitlist."))
        )
    return entry


def _choices(values: Iterable[str], allowed: Iterable[str], field: str) -> list[str]:
    order = list(allowed)
    chosen = set(values)
    unknown = chosen - set(order)
    if unknown:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "Choose {field} from: {choices}."),
                field=LABELS.get(field) or field.replace("_", " "),
                choices=", ".join(order),
            ),
        )
    return [v for v in order if v in chosen]


def remove(session: Session, ctx: Ctx, entry_id: str, *, booked: bool = False) -> WaitlistEntry:
    """Take an entry off the list: ``booked`` when the patient got a slot, else removed."""
    require(ctx, "appointment.book", _CANNOT_CHANGE)
    entry = records.live(session, WaitlistEntry, entry_id, _GONE)
    status = "booked" if booked else "removed"
    if entry.status == status:
        return entry
    _active(session, entry_id)
    entry.status = status
    records.save(session, ctx, entry, f"waitlist_{status}", ENTITY)
    return entry


def mark_booked(
    session: Session, ctx: Ctx, entry_id: str, appointment_id: str
) -> WaitlistEntry | None:
    """The entry's patient got ``appointment_id``: take the entry off the list as booked.

    Only when that appointment is this patient's, still active; otherwise (someone else
    was booked in the end) the entry stays on the list and None is returned. An entry
    already off the list (taken off at another desk meanwhile) is left as it is: None.
    """
    require(ctx, "appointment.book", _CANNOT_CHANGE)
    entry = session.get(WaitlistEntry, entry_id)
    appt = session.get(Appointment, appointment_id)
    if (
        entry is None
        or entry.deleted_at is not None
        or entry.status != "active"
        or appt is None
        or appt.deleted_at is not None
        or appt.patient_id != entry.patient_id
        or appt.status in lifecycle.INACTIVE
    ):
        return None
    return remove(session, ctx, entry_id, booked=True)


@dataclass(frozen=True)
class Candidate:
    """An active entry and its patient, as the booking dialog is filled in with them."""

    entry: WaitlistRow
    patient: PatientRow


def candidate(session: Session, ctx: Ctx, entry_id: str) -> Candidate:
    """What booking this entry's patient starts from; refused if the entry is no longer active."""
    require(
        ctx,
        "appointment.book",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot book appointments.")),
    )
    entry = _active(session, entry_id)
    patient = records.live(session, Patient, entry.patient_id, _NO_PATIENT)
    return Candidate(row_of(session, entry), search.row_of(patient))


def list_entries(session: Session, ctx: Ctx, *, active_only: bool = True) -> list[WaitlistRow]:
    """The list, most urgent first, then longest waiting."""
    require(ctx, "patient.read", _CANNOT_SEE)
    return [row_of(session, e) for e in _entries(session, active_only)]


def _entries(session: Session, active_only: bool) -> list[WaitlistEntry]:
    query = select(WaitlistEntry).where(WaitlistEntry.deleted_at.is_(None))
    if active_only:
        query = query.where(WaitlistEntry.status == "active")
    order = (WaitlistEntry.priority.desc(), WaitlistEntry.created_at, WaitlistEntry.id)
    return list(session.scalars(query.order_by(*order)))


def row_of(session: Session, e: WaitlistEntry) -> WaitlistRow:
    """``e`` as the desk shows it, with its patient, service and provider named."""
    patient = session.get(Patient, e.patient_id)
    service = session.get(Service, e.service_id)
    provider = session.get(Provider, e.provider_id) if e.provider_id else None
    return WaitlistRow(
        id=e.id,
        patient_id=e.patient_id,
        patient_name=patient.display_name if patient else "",
        service_id=e.service_id,
        service_name=service.name if service else "",
        provider_id=e.provider_id,
        provider_name=provider.name if provider else "",
        earliest_date=e.earliest_date,
        latest_date=e.latest_date,
        times_of_day=tuple(e.times_of_day or ()),
        weekdays=tuple(e.weekdays or ()),
        note=e.note,
        priority=e.priority,
        status=e.status,
        created_at=e.created_at,
    )


# -- who fits a freed slot -------------------------------------------------------------


def candidates_for(
    session: Session,
    ctx: Ctx,
    start: datetime,
    end: datetime,
    provider_id: str,
    service_id: str | None = None,
) -> list[WaitlistRow]:
    """Active entries the slot [start, end) with ``provider_id`` suits, best first.

    An entry fits when its provider (if any) is this one, its service fits in the
    slot, the slot's local date, weekday and time of day meet its wishes, and the
    patient has no other active appointment at that time. A slot already over fits
    nobody.
    """
    require(ctx, "patient.read", _CANNOT_SEE)
    start, end = as_utc(start, "start"), as_utc(end, "end")
    if end <= ctx.clock.now() or end <= start:
        return []
    local = start.astimezone(clinic_info(session).tz)
    fits = [
        e
        for e in _entries(session, active_only=True)
        if _wish_met(e, local, provider_id)
        and _service_fits(session, e.service_id, end - start)
        and not _busy(session, ctx, e.patient_id, start, end)
    ]
    fits.sort(key=lambda e: _rank(e, provider_id, service_id))
    return [row_of(session, e) for e in fits]


@dataclass(frozen=True)
class FreedSlot:
    """The time a cancelled appointment held, and who on the list fits it."""

    appointment_id: str
    start_utc: datetime
    end_utc: datetime
    provider_name: str
    service_name: str
    candidates: list[WaitlistRow]
    provider_id: str = ""
    service_id: str = ""


def candidates_for_appointment(session: Session, ctx: Ctx, appointment_id: str) -> FreedSlot:
    """Who on the list fits the time a (cancelled) appointment held; not its own patient."""
    require(ctx, "patient.read", _CANNOT_SEE)
    appt = appointments.load(session, appointment_id)
    found = candidates_for(
        session, ctx, appt.start_utc, appt.end_utc, appt.provider_id, appt.service_id
    )
    provider = session.get(Provider, appt.provider_id)
    service = session.get(Service, appt.service_id)
    return FreedSlot(
        appointment_id=appt.id,
        start_utc=appt.start_utc,
        end_utc=appt.end_utc,
        provider_name=provider.name if provider else "",
        service_name=service.name if service else "",
        candidates=[c for c in found if c.patient_id != appt.patient_id],
        provider_id=appt.provider_id,
        service_id=appt.service_id,
    )


def _wish_met(e: WaitlistEntry, local: datetime, provider_id: str) -> bool:
    if e.provider_id is not None and e.provider_id != provider_id:
        return False
    day = local.date()
    if (e.earliest_date and day < e.earliest_date) or (e.latest_date and day > e.latest_date):
        return False
    if e.weekdays and WEEKDAYS[day.weekday()] not in e.weekdays:
        return False
    parts = [TIMES_OF_DAY[t] for t in e.times_of_day or () if t in TIMES_OF_DAY]
    return not parts or any(lo <= local.hour < hi for lo, hi in parts)


def _service_fits(session: Session, service_id: str, length: timedelta) -> bool:
    service = session.get(Service, service_id)
    if service is None or service.deleted_at is not None:
        return False
    return timedelta(minutes=service.duration_minutes) <= length


def _busy(session: Session, ctx: Ctx, patient_id: str, start: datetime, end: datetime) -> bool:
    query = select(Appointment.id).where(
        Appointment.patient_id == patient_id,
        Appointment.deleted_at.is_(None),
        Appointment.status.not_in(lifecycle.INACTIVE),
        Appointment.start_utc < end,
        Appointment.end_utc > start,
    )
    return session.scalar(query.limit(1)) is not None


def _rank(e: WaitlistEntry, provider_id: str, service_id: str | None) -> tuple[object, ...]:
    same_service = service_id is not None and e.service_id == service_id
    asked_provider = e.provider_id == provider_id
    return (-e.priority, not same_service, not asked_provider, e.created_at, e.id)
