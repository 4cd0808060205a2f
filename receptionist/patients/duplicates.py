"""Spotting a patient who is probably already on file.

A new or changed record is a likely duplicate of another (not deleted) patient with
the same phone, or the same national ID, or the same folded full name *and* the same
birth date. The desk is warned with DuplicatePatient, listing the matches, and may
go ahead anyway (``allow_duplicate=True``): twins share a phone, families share one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from receptionist.errors import DuplicatePatient
from receptionist.models import Patient
from receptionist.patients.searchindex import sort_key
from receptionist.texts import QT_TRANSLATE_NOOP, Text

MAX_MATCHES = 20
MESSAGE = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "A similar patient is already on file (same phone, national ID, or name and birth "
        "date); open that record, or confirm to add this one anyway.",
    )
)


def likely_duplicates(
    session: Session,
    *,
    phone: str | None,
    national_id: str | None,
    sort_key: str,
    birth_date: date | None,
    exclude_id: str | None = None,
) -> list[str]:
    """Ids of patients this one would likely duplicate, oldest first."""
    same: list[ColumnElement[bool]] = []
    if phone:
        same.append(Patient.phone == phone)
    if national_id:
        same.append(Patient.national_id == national_id)
    if birth_date is not None and sort_key:
        same.append(and_(Patient.birth_date == birth_date, Patient.sort_key == sort_key))
    if not same:
        return []
    stmt = select(Patient.id).where(or_(*same), Patient.deleted_at.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(Patient.id != exclude_id)
    return list(session.scalars(stmt.order_by(Patient.created_at).limit(MAX_MATCHES)))


def refuse_duplicates(
    session: Session, values: Mapping[str, object], exclude_id: str | None = None
) -> None:
    """Raise DuplicatePatient if a record with these cleaned values (names, phone,
    national ID, birth date) would likely duplicate another."""
    phone, national_id, born = values["phone"], values["national_id"], values["birth_date"]
    matches = likely_duplicates(
        session,
        phone=phone if isinstance(phone, str) else None,
        national_id=national_id if isinstance(national_id, str) else None,
        sort_key=sort_key(str(values["given_name"]), str(values["family_name"])),
        birth_date=born if isinstance(born, date) else None,
        exclude_id=exclude_id,
    )
    if matches:
        raise DuplicatePatient(MESSAGE, matches)
