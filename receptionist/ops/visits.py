"""What the desk does from a visit's card: its patient, and their next visit.

A card carries no patient id (``schedule.cards``); these read it from the appointment,
with the role's right to see the schedule.
"""

from __future__ import annotations

from dataclasses import dataclass

from receptionist.context import Ctx
from receptionist.journal import records
from receptionist.models import Patient
from receptionist.ops.patients import PatientRow, row_of
from receptionist.schedule import booking
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

__all__ = ["NextVisit", "next_visit"]

GONE = Text(QT_TRANSLATE_NOOP("core", "The patient of that appointment is no longer on file."))


@dataclass(frozen=True)
class NextVisit:
    """Booking the patient of an appointment again: who, with whom, for what."""

    patient: PatientRow
    provider_id: str
    service_id: str


def next_visit(db: Database, ctx: Ctx, appointment_id: str) -> NextVisit:
    """The patient, provider and service of ``appointment_id``, to book again or to open."""
    with db.read() as s:
        appt = booking.get_appointment(s, ctx, appointment_id)
        patient = records.live(s, Patient, appt.patient_id, GONE)
        return NextVisit(row_of(patient), appt.provider_id, appt.service_id)
