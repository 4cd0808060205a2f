"""Turning what an operator typed into rows: ids, id prefixes, patient numbers."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.models import Appointment, Patient
from receptionist.patients.numbering import normalise_number

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PREFIX = re.compile(r"^[0-9a-f-]{6,36}$")


def by_id_or_prefix(session: Session, model: Any, key: str, what: str) -> Any:
    key = key.strip().lower()
    if UUID.match(key):
        row = session.get(model, key)
        if row is not None and row.deleted_at is None:
            return row
        raise NotFound(f"There is no {what} with id {key}.", what)
    if not PREFIX.match(key):
        raise ValidationError(what, f"Give the {what}'s id, or at least its first 6 characters.")
    rows = session.scalars(
        select(model).where(model.id.like(key + "%"), model.deleted_at.is_(None)).limit(2)
    ).all()
    if not rows:
        raise NotFound(f"There is no {what} whose id starts with {key}.", what)
    if len(rows) > 1:
        raise Ambiguous(f"More than one {what} id starts with {key}; type more of it.", what)
    return rows[0]


def patient(session: Session, key: str) -> Patient:
    """By patient number ("A-12") or id (or an id prefix)."""
    number = normalise_number(key)
    if number is not None:
        row = session.scalar(select(Patient).where(Patient.number == number))
        if row is None or row.deleted_at is not None:
            raise NotFound(f"There is no patient number {number}.", "patient")
        return row
    found: Patient = by_id_or_prefix(session, Patient, key, "patient")
    return found


def appointment(session: Session, key: str) -> Appointment:
    found: Appointment = by_id_or_prefix(session, Appointment, key, "appointment")
    return found
