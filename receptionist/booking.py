"""Booking, moving, cancelling and advancing appointments.

Every change is validated and checked against the rules in :mod:`conflicts` before
anything is written, so an error leaves the database as it was. A clash raises
ConflictError listing the reasons, unless an override reason is given by someone who
may override ("booking.override"): then the appointment is saved with ``override_by``
and ``override_reason`` set and an "override" audit event. An override reason given
when nothing clashes is ignored, and a move to a clean time clears the override
marks: ``override_reason`` is non-empty exactly when the appointment breaks a rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, catalog, conflicts, lifecycle
from .conflicts import Conflict, Request
from .context import Ctx
from .errors import ConflictError, IllegalTransition, NotFound, PermissionDenied, ValidationError
from .hours import as_utc
from .models import Appointment, Patient, Provider, Room, Service

MAX_NOTES_BYTES: Final = 1024 * 1024
MAX_REASON_CHARS: Final = 2000


class Keep(Enum):
    """Marks an argument of :func:`reschedule` left as it is (``None`` means "no room")."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP


def is_overridden(appointment: Appointment) -> bool:
    return bool(appointment.override_reason)


# -- checks ------------------------------------------------------------------------------


def require(ctx: Ctx, permission: str, message: str) -> None:
    if not ctx.actor.may(permission):
        raise PermissionDenied(message)


def _override(ctx: Ctx, reason: str | None) -> str | None:
    if reason is None:
        return None
    message = "Only a manager or an administrator can book over a conflict; pick a free time."
    require(ctx, "booking.override", message)
    text = clean_text(reason, "override_reason", MAX_REASON_CHARS)
    if not text:
        raise ValidationError("override_reason", "Say why the conflict is being overridden.")
    return text


def clean_text(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or "\x00" in value or len(value) > limit:
        raise ValidationError(field, f"The {field} must be text of at most {limit} characters.")
    return value.strip()


def clean_notes(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError("notes", "The notes must be plain text without NUL characters.")
    if len(value) * 4 > MAX_NOTES_BYTES and len(value.encode("utf-8")) > MAX_NOTES_BYTES:
        raise ValidationError("notes", "The notes are longer than 1 MB; shorten them.")
    return value


def bookable_patient(session: Session, patient_id: str) -> None:
    """Check the patient exists, reading no more of the record than its tombstone."""
    row = session.execute(select(Patient.deleted_at).where(Patient.id == patient_id)).first()
    if row is None or row.deleted_at is not None:
        raise NotFound("There is no patient with that id; search for the patient again.")


def bookable(session: Session, model: type[catalog.Named], row_id: str) -> catalog.Named:
    row = catalog.get(session, model, row_id)
    if not row.active:
        label = catalog.LABELS[model]
        raise ValidationError(label, f"This {label} is inactive; choose an active {label}.")
    return row


def _times(start: datetime, end: datetime | None, length: timedelta) -> tuple[datetime, datetime]:
    start = as_utc(start, "start")
    end = start + length if end is None else as_utc(end, "end")
    if end <= start:
        raise ValidationError("end", "The end must be after the start; fix the times.")
    if end - start > conflicts.MAX_DURATION:
        raise ValidationError("end", "An appointment can last at most 12 hours; shorten it.")
    return start, end


def _get(session: Session, appointment_id: str) -> Appointment:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.deleted_at is not None:
        raise NotFound("That appointment no longer exists; refresh the calendar.")
    return appointment


def _settle(ctx: Ctx, found: list[Conflict], override: str | None) -> tuple[str | None, str]:
    """The override marks to save, or ConflictError when the clash is not overridden."""
    if not found:
        return None, ""
    if override is None:
        first = found[0].reason.rstrip(".")
        more = f" (and {len(found) - 1} more problems)" if len(found) > 1 else ""
        ask = (
            "book it with an override reason"
            if ctx.actor.may("booking.override")
            else "ask a manager to override"
        )
        raise ConflictError(f"{first}{more}; pick another time or {ask}.", found)
    return ctx.actor.user_id, override


@dataclass(frozen=True)
class Draft:
    """A proposed appointment: who, with whom, for what, when and where.

    ``end`` defaults to ``start`` plus the service's duration.
    """

    patient_id: str
    provider_id: str
    service_id: str
    start: datetime
    end: datetime | None = None
    room_id: str | None = None


def _plan(
    session: Session, draft: Draft, exclude_id: str | None = None
) -> tuple[datetime, datetime, list[Conflict]]:
    """Validate ``draft`` and find its conflicts; an appointment being moved
    (``exclude_id``) may keep a service that has since been made inactive."""
    bookable_patient(session, draft.patient_id)
    provider = bookable(session, Provider, draft.provider_id)
    service = (
        bookable(session, Service, draft.service_id)
        if exclude_id is None
        else catalog.get(session, Service, draft.service_id)
    )
    if draft.room_id is not None:
        bookable(session, Room, draft.room_id)
    start, end = _times(draft.start, draft.end, timedelta(minutes=service.duration_minutes))
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    req = Request(
        start, end, provider.id, draft.patient_id, draft.room_id, before, after, exclude_id
    )
    return start, end, conflicts.check(session, catalog.get_clinic(session), provider, req)


# -- changes -----------------------------------------------------------------------------


def check(
    session: Session, ctx: Ctx, draft: Draft, exclude_id: str | None = None
) -> list[Conflict]:
    """The conflicts ``draft`` would have, without booking (for warnings while typing)."""
    require(ctx, "patient.read", "Your role cannot see appointments.")
    return _plan(session, draft, exclude_id)[2]


def book(
    session: Session,
    ctx: Ctx,
    *,
    patient_id: str,
    provider_id: str,
    service_id: str,
    start: datetime,
    end: datetime | None = None,
    room_id: str | None = None,
    notes: str = "",
    override_reason: str | None = None,
    series_id: str | None = None,
) -> Appointment:
    """Book an appointment; ``end`` defaults to start plus the service's duration."""
    draft = Draft(patient_id, provider_id, service_id, start, end, room_id)
    return book_draft(session, ctx, draft, notes, override_reason, series_id)


def book_draft(
    session: Session,
    ctx: Ctx,
    draft: Draft,
    notes: str = "",
    override_reason: str | None = None,
    series_id: str | None = None,
) -> Appointment:
    """:func:`book`, taking a :class:`Draft`."""
    require(ctx, "appointment.book", "Your role cannot book appointments.")
    override = _override(ctx, override_reason)
    notes = clean_notes(notes)
    start, end, found = _plan(session, draft)
    override_by, reason = _settle(ctx, found, override)
    now = ctx.clock.now()
    appointment = Appointment(
        patient_id=draft.patient_id,
        provider_id=draft.provider_id,
        service_id=draft.service_id,
        room_id=draft.room_id,
        start_utc=start,
        end_utc=end,
        status="booked",
        notes=notes,
        booked_by=ctx.actor.user_id,
        series_id=series_id,
        override_by=override_by,
        override_reason=reason,
        created_at=now,
        updated_at=now,
    )
    session.add(appointment)
    session.flush()
    _audit(session, ctx, "create", appointment)
    return appointment


def _audit(session: Session, ctx: Ctx, action: str, appointment: Appointment) -> None:
    audit.record(session, ctx, action, "appointment", appointment.id)
    if action in ("create", "reschedule") and appointment.override_reason:
        audit.record(session, ctx, "override", "appointment", appointment.id)


def reschedule(
    session: Session,
    ctx: Ctx,
    appointment_id: str,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    provider_id: str | None = None,
    room_id: str | Keep | None = KEEP,
    override_reason: str | None = None,
) -> Appointment:
    """Move and/or resize an appointment, or give it another provider or room.

    A new ``start`` alone keeps the length; ``end`` alone resizes.
    """
    require(ctx, "appointment.book", "Your role cannot move appointments.")
    override = _override(ctx, override_reason)
    appt = _get(session, appointment_id)
    if appt.status in lifecycle.FINAL:
        raise IllegalTransition(
            f"An appointment that is {lifecycle.label(appt.status)} cannot be moved; "
            "book a new one instead."
        )
    room = appt.room_id if isinstance(room_id, Keep) else room_id
    length = appt.end_utc - appt.start_utc
    new_start = appt.start_utc if start is None else as_utc(start, "start")
    new_end = new_start + length if end is None else end
    draft = Draft(
        appt.patient_id, provider_id or appt.provider_id, appt.service_id, new_start, new_end, room
    )
    new_start, new_end, found = _plan(session, draft, exclude_id=appt.id)
    override_by, reason = _settle(ctx, found, override)
    after = (new_start, new_end, draft.provider_id, room, reason)
    if after == _placement(appt):
        return appt
    appt.start_utc, appt.end_utc, appt.provider_id, appt.room_id = after[:4]
    appt.override_by, appt.override_reason = override_by, reason
    appt.touch(ctx.clock.now())
    session.flush()
    _audit(session, ctx, "reschedule", appt)
    return appt


def _placement(appt: Appointment) -> tuple[datetime, datetime, str, str | None, str]:
    return appt.start_utc, appt.end_utc, appt.provider_id, appt.room_id, appt.override_reason


def cancel(session: Session, ctx: Ctx, appointment_id: str, reason: str) -> Appointment:
    """Cancel an appointment, saying why; it stops holding its time at once."""
    require(ctx, "appointment.book", "Your role cannot cancel appointments.")
    text = clean_text(reason, "reason", MAX_REASON_CHARS)
    if not text:
        raise ValidationError("reason", "Say why the appointment is cancelled.")
    appt = _get(session, appointment_id)
    lifecycle.check_move(appt.status, "cancelled")
    appt.status, appt.cancellation_reason = "cancelled", text
    appt.touch(ctx.clock.now())
    session.flush()
    _audit(session, ctx, "cancel", appt)
    return appt


def set_status(
    session: Session, ctx: Ctx, appointment_id: str, status: str, reason: str = ""
) -> Appointment:
    """Move an appointment along its life (see :mod:`lifecycle`).

    Setting the status it already has changes nothing (a double click is harmless);
    "cancelled" goes through :func:`cancel` and needs a reason.
    """
    if status == "cancelled":
        return cancel(session, ctx, appointment_id, reason)
    require(ctx, "appointment.status", "Your role cannot change appointment statuses.")
    appt = _get(session, appointment_id)
    if appt.status == status:
        return appt
    lifecycle.check_move(appt.status, status)
    now = ctx.clock.now()
    if status == "arrived":
        appt.arrived_at = now
    appt.status = status
    appt.touch(now)
    session.flush()
    _audit(session, ctx, f"status_{status}", appt)
    return appt


# -- reading -----------------------------------------------------------------------------


def get_appointment(session: Session, ctx: Ctx, appointment_id: str) -> Appointment:
    require(ctx, "patient.read", "Your role cannot see appointments.")
    return _get(session, appointment_id)


def list_appointments(
    session: Session,
    ctx: Ctx,
    start: datetime,
    end: datetime,
    *,
    provider_id: str | None = None,
    room_id: str | None = None,
    patient_id: str | None = None,
    include_inactive: bool = False,
) -> list[Appointment]:
    """Appointments overlapping ``[start, end)``, by start; cancelled and no-show ones
    only with ``include_inactive``."""
    require(ctx, "patient.read", "Your role cannot see appointments.")
    start, end = as_utc(start, "start"), as_utc(end, "end")
    query = select(Appointment).where(
        Appointment.start_utc > start - conflicts.MAX_DURATION,
        Appointment.start_utc < end,
        Appointment.end_utc > start,
        Appointment.deleted_at.is_(None),
    )
    for column, value in (
        (Appointment.provider_id, provider_id),
        (Appointment.room_id, room_id),
        (Appointment.patient_id, patient_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if not include_inactive:
        query = query.where(Appointment.status.not_in(lifecycle.INACTIVE))
    return list(session.scalars(query.order_by(Appointment.start_utc, Appointment.id)))
