"""An appointment as the operations hand it out: plain data, its people and places named."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.models import Appointment, Patient, Provider, Room, Service
from receptionist.models.names import display_name


@dataclass(frozen=True)
class AppointmentInfo:
    """One appointment; times are aware UTC."""

    id: str
    start_utc: datetime
    end_utc: datetime
    status: str
    patient_id: str
    patient_number: str | None
    patient_name: str
    provider_id: str
    provider_name: str
    service_id: str
    service_name: str
    room_id: str | None
    room_name: str | None
    notes: str
    override_reason: str  # non-empty exactly when it was booked over a clash
    cancellation_reason: str
    series_id: str | None


def info(session: Session, appt: Appointment) -> AppointmentInfo:
    return infos(session, [appt])[0]


def infos(session: Session, rows: Sequence[Appointment]) -> list[AppointmentInfo]:
    """``rows`` as plain data, with a few queries per kind of name (not one per row)."""
    patients: dict[str, tuple[str | None, str]] = {}
    columns = (Patient.id, Patient.number, Patient.given_name, Patient.family_name)
    for ids in _chunks({a.patient_id for a in rows}):
        found = session.execute(select(*columns).where(Patient.id.in_(ids)))
        patients.update((i, (n, display_name(g, f))) for i, n, g, f in found)
    names: dict[str, str] = {}
    for model, wanted in (
        (Provider, {a.provider_id for a in rows}),
        (Service, {a.service_id for a in rows}),
        (Room, {a.room_id for a in rows if a.room_id}),
    ):
        for ids in _chunks(wanted):
            named = session.execute(select(model.id, model.name).where(model.id.in_(ids)))
            names.update((i, n) for i, n in named)
    return [_info(a, patients, names) for a in rows]


def _chunks(ids: set[str], size: int = 500) -> Iterator[list[str]]:
    """``ids`` in bounded pieces (SQLite limits the parameters of one statement)."""
    ordered = sorted(ids)
    for at in range(0, len(ordered), size):
        yield ordered[at : at + size]


def _info(
    a: Appointment, patients: dict[str, tuple[str | None, str]], names: dict[str, str]
) -> AppointmentInfo:
    number, name = patients.get(a.patient_id, (None, ""))
    return AppointmentInfo(
        id=a.id,
        start_utc=a.start_utc,
        end_utc=a.end_utc,
        status=a.status,
        patient_id=a.patient_id,
        patient_number=number,
        patient_name=name,
        provider_id=a.provider_id,
        provider_name=names.get(a.provider_id, ""),
        service_id=a.service_id,
        service_name=names.get(a.service_id, ""),
        room_id=a.room_id,
        room_name=names.get(a.room_id) if a.room_id else None,
        notes=a.notes,
        override_reason=a.override_reason,
        cancellation_reason=a.cancellation_reason,
        series_id=a.series_id,
    )
