"""Finding what a person typed: a patient by number or id, an appointment or a sync
conflict by id or its first characters, a provider, service or room by id or name.

Front ends that take text (the CLI, later an import) turn it into ids here, then call
the operation with the ids; the app already holds ids and never needs this. Each
function reads in a transaction of its own and returns plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.freetext import is_utf8
from receptionist.models import Appointment, Patient, Provider, Room, Service, SyncConflict
from receptionist.patients.numbering import anonymised_number, normalise_number
from receptionist.schedule import catalog
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PREFIX = re.compile(r"^[0-9a-f-]{6,36}$")
SHORTEST = 6  # characters of an id prefix: fewer would name too many rows

# How a message names what was looked for (the field is the option that named it).
WHAT: dict[str, Text] = {
    "patient": Text(QT_TRANSLATE_NOOP("core", "patient")),
    "appointment": Text(QT_TRANSLATE_NOOP("core", "appointment")),
}


@dataclass(frozen=True)
class Found:
    """A row found by what was typed: its id and how it is named."""

    id: str
    name: str


def by_id_or_prefix(session: Session, model: Any, key: str, field: str) -> Any:
    """The live row whose id is ``key`` or starts with it (at least 6 characters)."""
    what = WHAT.get(field, field)
    key = key.strip().lower()
    if UUID.match(key):
        row = session.get(model, key)
        if row is not None and row.deleted_at is None:
            return row
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "There is no {what} with id {key}."), what=what, key=key
            ),
            field,
        )
    if not PREFIX.match(key):
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "Give the {what}'s id, or at least its first 6 characters."
                ),
                what=what,
            ),
        )
    rows = starting(session, model, key, model.deleted_at.is_(None))
    if not rows:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "There is no {what} whose id starts with {key}."),
                what=what,
                key=key,
            ),
            field,
        )
    if len(rows) > 1:
        raise Ambiguous(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "More than one {what} id starts with {key}; type more of it."
                ),
                what=what,
                key=key,
            ),
            field,
        )
    return rows[0]


def starts_with(column: Any, key: str) -> ColumnElement[bool]:
    """``column`` starts with ``key``, in SQL: ``%``, ``_`` (and the escape character)
    in ``key`` match only themselves, never any text."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")  # type: ignore[no-any-return]


def starting(session: Session, model: Any, key: str, *where: Any) -> list[Any]:
    """At most two rows of ``model`` whose id starts with ``key`` (two: not one)."""
    query = select(model).where(starts_with(model.id, key), *where).limit(2)
    return list(session.scalars(query).all())


def conflict(db: Database, key: str, field: str = "id") -> str:
    """The id of the sync conflict whose id is ``key`` or starts with it (at least 6
    characters). The endpoint names conflicts, so any character may be in an id."""
    key = key.strip()
    with db.read() as s:
        if s.get(SyncConflict, key) is not None:
            return key
        if len(key) < SHORTEST:
            raise ValidationError(field, _SHORT_CONFLICT)
        rows = starting(s, SyncConflict, key)
    if len(rows) > 1:
        raise Ambiguous(_AMBIGUOUS_CONFLICT, field)
    if not rows:
        raise NotFound(_NO_CONFLICT, field)
    return str(rows[0].id)


_SHORT_CONFLICT = Text(
    QT_TRANSLATE_NOOP("core", "Give at least 6 characters of the conflict's id.")
)
_NO_CONFLICT = Text(
    QT_TRANSLATE_NOOP(
        "core",
        "No conflict has that id on this PC; `receptionist conflicts list --all` lists them.",
    )
)
_AMBIGUOUS_CONFLICT = Text(
    QT_TRANSLATE_NOOP("core", "More than one conflict starts with that; give more of its id.")
)


def patient_row(session: Session, key: str, field: str = "patient") -> Patient:
    """By patient number ("A-12", or an anonymised patient's "ANON-…") or id (or an id
    prefix), in ``session``."""
    number = (normalise_number(key) or anonymised_number(key)) if is_utf8(key) else None
    if number is not None:
        row = session.scalar(select(Patient).where(Patient.number == number))
        if row is None or row.deleted_at is not None:
            raise NotFound(
                Text(
                    QT_TRANSLATE_NOOP("core", "There is no patient number {number}."),
                    number=number,
                ),
                field,
            )
        return row
    found: Patient = by_id_or_prefix(session, Patient, key, field)
    return found


def patient(db: Database, key: str, field: str = "patient") -> Found:
    with db.read() as s:
        row = patient_row(s, key, field)
        return Found(row.id, row.display_name)


def appointment(db: Database, key: str, field: str = "appointment") -> str:
    """The id of the appointment whose id is ``key`` or starts with it."""
    with db.read() as s:
        row: Appointment = by_id_or_prefix(s, Appointment, key, field)
        return row.id


def _named(db: Database, model: Any, key: str) -> Found:
    with db.read() as s:
        row = catalog.find(s, model, key)
        return Found(row.id, row.name)


def provider(db: Database, key: str) -> Found:
    return _named(db, Provider, key)


def service(db: Database, key: str) -> Found:
    return _named(db, Service, key)


def room(db: Database, key: str) -> Found:
    return _named(db, Room, key)
