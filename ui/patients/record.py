"""What the patient window shows, read and written on the database worker.

Every function here runs on the worker (``DbOp``) and returns plain frozen data, so
no ORM object crosses to the GUI thread. Opening a record goes through
``patients.open_patient``, which audits it; saving returns the record as saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import Consent, Patient, Provider, Service
from receptionist.patients import record as patients
from receptionist.patients import validation
from receptionist.privacy import consents
from receptionist.schedule import appointments, catalog
from receptionist.store.storage import Database

FIELDS = validation.FIELDS
_EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


@dataclass(frozen=True)
class Visit:
    """One appointment in the patient's history."""

    id: str
    start_utc: datetime
    end_utc: datetime
    service: str
    provider: str
    status: str


@dataclass(frozen=True)
class PatientRecord:
    id: str
    number: str
    fields: Mapping[str, object]  # validation.FIELDS -> the stored value
    consents: Mapping[str, bool]
    consent_dates: Mapping[str, datetime]  # purpose -> when the latest decision was made
    visits: tuple[Visit, ...]

    @property
    def display_name(self) -> str:
        return f"{self.fields['given_name']} {self.fields['family_name']}".strip()


def open_record(db: Database, ctx: Ctx, patient_id: str) -> PatientRecord:
    """The record, opened (and audited) as the signed-in user."""
    with db.write() as s:
        return _snapshot(s, ctx, patients.open_patient(s, ctx, patient_id))


def save_changes(
    db: Database, ctx: Ctx, patient_id: str, changes: Mapping[str, Any]
) -> PatientRecord:
    """Writes ``changes``; a ValidationError (naming the field) writes nothing."""
    with db.write() as s:
        return _snapshot(s, ctx, patients.update_patient(s, ctx, patient_id, **changes))


def save_consent(
    db: Database, ctx: Ctx, patient_id: str, purpose: str, granted: bool
) -> PatientRecord:
    """Records one consent decision (made at the desk) and returns the record after it."""
    with db.write() as s:
        consents.record_consent(s, ctx, patient_id, purpose, granted)
        patient = s.get(Patient, patient_id)
        assert patient is not None  # record_consent refuses a missing patient
        return _snapshot(s, ctx, patient)


def _snapshot(s: Session, ctx: Ctx, patient: Patient) -> PatientRecord:
    return PatientRecord(
        id=patient.id,
        number=patient.number,
        fields={f: getattr(patient, f) for f in FIELDS},
        consents=consents.current_consents(s, patient.id),
        consent_dates=_consent_dates(s, patient.id),
        visits=_visits(s, ctx, patient.id),
    )


def _consent_dates(s: Session, patient_id: str) -> dict[str, datetime]:
    rows = s.execute(
        select(Consent.purpose, Consent.recorded_at)
        .where(Consent.patient_id == patient_id, Consent.deleted_at.is_(None))
        .order_by(Consent.recorded_at)
    )
    return {purpose: when for purpose, when in rows}


def _visits(s: Session, ctx: Ctx, patient_id: str) -> tuple[Visit, ...]:
    found = appointments.list_appointments(
        s, ctx, *_EVER, patient_id=patient_id, include_inactive=True
    )
    services = {x.id: x.name for x in catalog.listing(s, Service, include_inactive=True)}
    providers = {x.id: x.name for x in catalog.listing(s, Provider, include_inactive=True)}
    return tuple(
        Visit(
            a.id,
            a.start_utc,
            a.end_utc,
            services.get(a.service_id, ""),
            providers.get(a.provider_id, ""),
            a.status,
        )
        for a in found
    )
