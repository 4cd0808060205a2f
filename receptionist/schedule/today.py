"""The today board: the clinic's appointments of its local today, with waiting times.

Who has arrived and for how long they have waited (from the injected clock), who is
in which room, who is late. Marking arrived, in the room, completed or a no-show goes
through :func:`booking.set_status`, so the lifecycle rules and the audit apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.models import Appointment, Patient, Provider, Room, Service
from receptionist.schedule import booking, lifecycle
from receptionist.schedule.agenda import clinic_info, day_window
from receptionist.schedule.appointments import list_appointments
from receptionist.texts import QT_TRANSLATE_NOOP, Text

BOARD_STATUSES: Final = ("arrived", "in_room", "completed", "no_show")
WAITING: Final = "arrived"
NOT_YET: Final = lifecycle.NOT_HERE_YET


@dataclass(frozen=True)
class BoardRow:
    """One appointment of the day, as the board shows it."""

    id: str
    start_utc: datetime
    end_utc: datetime
    patient_id: str
    patient_name: str
    provider_name: str
    room_name: str
    service_name: str
    status: str
    arrived_at: datetime | None

    def waiting_minutes(self, now: datetime) -> int | None:
        """Whole minutes since arrival while the patient waits; else None."""
        if self.status != WAITING or self.arrived_at is None:
            return None
        return max(0, int((now - self.arrived_at).total_seconds() // 60))

    def is_late(self, now: datetime, tz: tzinfo) -> bool:
        """Due and not here yet, today (``lifecycle.is_late``, as the schedule's cards say)."""
        return lifecycle.is_late(self.status, self.start_utc, now, tz)

    def is_unrecorded(self, now: datetime, tz: tzinfo) -> bool:
        """Of a day that is over, never marked (``lifecycle.is_unrecorded``)."""
        return lifecycle.is_unrecorded(self.status, self.start_utc, now, tz)


def clinic_today(session: Session, ctx: Ctx) -> date:
    """Today's date where the clinic is."""
    return ctx.clock.now().astimezone(clinic_info(session).tz).date()


def load_day(session: Session, ctx: Ctx, day: date | None = None) -> list[BoardRow]:
    """The appointments of the clinic's local ``day`` (default today), by time.

    Cancelled ones are left out; no-shows stay, so a mistake can be seen.
    """
    require(
        ctx,
        "patient.read",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot see the day's appointments.")),
    )
    day = day or clinic_today(session, ctx)
    start, end = day_window(day, clinic_info(session).tz)
    found = list_appointments(session, ctx, start, end, include_inactive=True)
    rows = [a for a in found if a.status != "cancelled" and start <= a.start_utc < end]
    names = _names(session, rows)
    return [_row(a, names) for a in rows]


def _names(session: Session, rows: list[Appointment]) -> dict[str, str]:
    ids = {a.patient_id for a in rows}
    names = {
        p.id: p.display_name for p in session.scalars(select(Patient).where(Patient.id.in_(ids)))
    }
    for model in (Provider, Room, Service):
        names.update((key, name) for key, name in session.execute(select(model.id, model.name)))
    return names


def _row(a: Appointment, names: dict[str, str]) -> BoardRow:
    return BoardRow(
        id=a.id,
        start_utc=a.start_utc,
        end_utc=a.end_utc,
        patient_id=a.patient_id,
        patient_name=names.get(a.patient_id, ""),
        provider_name=names.get(a.provider_id, ""),
        room_name=names.get(a.room_id, "") if a.room_id else "",
        service_name=names.get(a.service_id, ""),
        status=a.status,
        arrived_at=a.arrived_at,
    )


def mark(session: Session, ctx: Ctx, appointment_id: str, status: str) -> Appointment:
    """Move an appointment on the board: arrived, in_room, completed or no_show.

    A patient sent straight to the room (a walk-in) also counts as arrived then.
    """
    appt = booking.set_status(session, ctx, appointment_id, status)
    if status in ("arrived", "in_room") and appt.arrived_at is None:
        appt.arrived_at = ctx.clock.now()
        session.flush()
    return appt
