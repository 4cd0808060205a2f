"""Reading appointments: one by id, or those overlapping a window of time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.journal import records
from receptionist.models import Appointment
from receptionist.schedule import conflicts, lifecycle
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import as_utc

CANNOT_SEE = Text(QT_TRANSLATE_NOOP("core", "Your role cannot see appointments."))


def load(session: Session, appointment_id: str) -> Appointment:
    """The appointment, or NotFound when it is missing or deleted (no permission check)."""
    missing = Text(
        QT_TRANSLATE_NOOP("core", "That appointment no longer exists; refresh the calendar.")
    )
    return records.live(session, Appointment, appointment_id, missing)


def get_appointment(session: Session, ctx: Ctx, appointment_id: str) -> Appointment:
    require(ctx, "patient.read", CANNOT_SEE)
    return load(session, appointment_id)


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
    require(ctx, "patient.read", CANNOT_SEE)
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
