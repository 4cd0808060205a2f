"""Operations on patients: find, add, (more to come: change, open, delete, consents).

Each function owns its transaction and returns plain data (``PatientRow`` and other
frozen dataclasses), never an ORM row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from receptionist.context import Ctx
from receptionist.errors import DuplicatePatient
from receptionist.models import Patient
from receptionist.patients import record, search
from receptionist.patients.search import PatientRow
from receptionist.store.storage import Database
from receptionist.texts import message

__all__ = ["Duplicates", "NewPatient", "PatientRow", "add", "find", "row_of"]


@dataclass(frozen=True)
class NewPatient:
    """What a new patient is made of (the fields of ``patients.record.create_patient``)."""

    given_name: str
    family_name: str
    phone: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)  # email, national_id, ...
    consents: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Duplicates:
    """The core's likely-duplicate warning (a ``Text``) and the patients it points at."""

    message: str
    matches: list[PatientRow]


def row_of(patient: Patient) -> PatientRow:
    name = f"{patient.given_name} {patient.family_name}".strip()
    return PatientRow(patient.id, patient.number, name, patient.phone, patient.birth_date)


def find(
    db: Database, ctx: Ctx, query: str, *, limit: int = search.DEFAULT_LIMIT
) -> list[PatientRow]:
    """Search as you type: the patients ``query`` finds, best first."""
    with db.read() as s:
        return search.search_patients(s, ctx, query, limit=limit)


def add(
    db: Database, ctx: Ctx, new: NewPatient, *, allow_duplicate: bool = False
) -> PatientRow | Duplicates:
    """Add a patient; a likely duplicate (unless allowed) comes back as
    :class:`Duplicates` and nothing is written."""
    try:
        with db.write() as s:
            patient = record.create_patient(
                s,
                ctx,
                given_name=new.given_name,
                family_name=new.family_name,
                phone=new.phone or None,
                consents=new.consents,
                allow_duplicate=allow_duplicate,
                **new.fields,  # type: ignore[arg-type]
            )
            return row_of(patient)
    except DuplicatePatient as exc:
        with db.read() as s:
            found = (s.get(Patient, pid) for pid in exc.matches)
            rows = [row_of(p) for p in found if p is not None and p.deleted_at is None]
        return Duplicates(message(exc), rows)
