"""What the booking dialog asks of the core; each function runs on the database worker.

Results cross back to the GUI thread as plain values (tuples, dataclasses), never as
ORM rows bound to a closed session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from receptionist.context import Ctx
from receptionist.errors import DuplicatePatient
from receptionist.models import Patient, Provider, Service
from receptionist.patients import record as patients
from receptionist.patients import search
from receptionist.patients.search import PatientRow
from receptionist.schedule import booking, catalog, slots
from receptionist.schedule.slots import Slot
from receptionist.store.storage import Database
from receptionist.texts import message

SEARCH_LIMIT = 20
SLOT_COUNT = 8


@dataclass(frozen=True)
class Choice:
    id: str
    name: str


@dataclass(frozen=True)
class Catalog:
    services: list[Choice]
    providers: list[Choice]


@dataclass(frozen=True)
class NewPatient:
    given_name: str
    family_name: str
    phone: str


@dataclass(frozen=True)
class Duplicates:
    """The core's duplicate warning (show it through ``coretext.translated``), with the
    patients it points at."""

    message: str
    matches: list[PatientRow]


@dataclass(frozen=True)
class SlotQuery:
    service_id: str
    provider_id: str | None
    patient_id: str | None
    room_id: str | None
    start_from: datetime


@dataclass(frozen=True)
class Request:
    patient_id: str
    slot: Slot
    service_id: str
    notes: str
    override_reason: str | None


def row_of(patient: Patient) -> PatientRow:
    name = f"{patient.given_name} {patient.family_name}".strip()
    return PatientRow(patient.id, patient.number, name, patient.phone, patient.birth_date)


def load_catalog(db: Database) -> Catalog:
    with db.read() as s:
        services = [Choice(x.id, x.name) for x in catalog.listing(s, Service)]
        providers = [Choice(x.id, x.name) for x in catalog.listing(s, Provider)]
    return Catalog(services, providers)


def find_patients(db: Database, ctx: Ctx, query: str) -> list[PatientRow]:
    with db.read() as s:
        return search.search_patients(s, ctx, query, limit=SEARCH_LIMIT)


def add_patient(
    db: Database, ctx: Ctx, new: NewPatient, allow_duplicate: bool
) -> PatientRow | Duplicates:
    try:
        with db.write() as s:
            patient = patients.create_patient(
                s,
                ctx,
                given_name=new.given_name,
                family_name=new.family_name,
                phone=new.phone or None,
                allow_duplicate=allow_duplicate,
            )
            return row_of(patient)
    except DuplicatePatient as exc:
        with db.read() as s:
            found = (s.get(Patient, pid) for pid in exc.matches)
            rows = [row_of(p) for p in found if p is not None and p.deleted_at is None]
        return Duplicates(message(exc), rows)


def free_slots(db: Database, ctx: Ctx, q: SlotQuery) -> list[Slot]:
    with db.read() as s:
        return slots.find_slots(
            s,
            ctx,
            service_id=q.service_id,
            provider_id=q.provider_id,
            patient_id=q.patient_id,
            room_id=q.room_id,
            start_from=q.start_from,
            count=SLOT_COUNT,
        )


def book(db: Database, ctx: Ctx, r: Request) -> str:
    with db.write() as s:
        appointment = booking.book(
            s,
            ctx,
            patient_id=r.patient_id,
            provider_id=r.slot.provider_id,
            service_id=r.service_id,
            start=r.slot.start,
            room_id=r.slot.room_id,
            notes=r.notes,
            override_reason=r.override_reason,
        )
        s.flush()
        return appointment.id
