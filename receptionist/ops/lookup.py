"""Finding what a person typed: a patient by number or id, an appointment or a sync
conflict by id or its first characters, a provider, service or room by id or name.

Front ends that take text (the CLI, later an import) turn it into ids here, then call
the operation with the ids; the app already holds ids and never needs this. Each
function reads in a transaction of its own and returns plain data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from receptionist import zones
from receptionist.errors import Ambiguous, NotFound, ValidationError
from receptionist.freetext import is_utf8
from receptionist.models import Appointment, Patient, Provider, Room, Service, SyncConflict
from receptionist.patients.numbering import anonymised_number, normalise_number
from receptionist.schedule import catalog
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, When

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
                    "core",
                    "More than one {what} id starts with {key}: {candidates}; type more of it.",
                ),
                what=what,
                key=key,
                candidates=candidates(session, rows, key),
            ),
            field,
        )
    return rows[0]


# A "type more" names the rows it found, at most this many: since session 17 an id's
# first six characters hold 14 random bits among its week's rows, and some 3.7 % of
# lookups by six characters in a week of 600 appointments find two (docs/architecture.md).
NAMED = 5
SHOWN = 8  # characters of an id the CLI shows


def candidates(session: Session, rows: Sequence[Any], key: str) -> str:
    """The rows a prefix ``key`` found, for a person to pick from: each by as much of its
    id as tells them apart (eight characters, the CLI's short id, or more) and a detail
    in the clinic's time that is no patient data: an appointment's start, else when the
    row was made. At most :data:`NAMED`; "and more" after them when there are more."""
    shown = rows[:NAMED]
    ids = [str(r.id) for r in shown]
    tz = zones.zone(str(clinicstore.value(session, clinic_settings.TIMEZONE)))
    named = [f"{_short(i, ids, key)} ({_detail(r, tz)})" for i, r in zip(ids, shown, strict=True)]
    if len(rows) > NAMED:
        named.append("and more")
    return ", ".join(named)


def _short(row_id: str, ids: Sequence[str], key: str) -> str:
    """As much of ``row_id`` as tells it from the others of ``ids``: at least
    :data:`SHOWN` characters, and more than ``key``, what was typed."""
    shared = max((_common(row_id, other) for other in ids if other != row_id), default=0)
    return row_id[: max(SHOWN, len(key) + 1, shared + 1)]


def _common(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share."""
    return next(
        (n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _detail(row: Any, tz: ZoneInfo) -> str:
    """What tells the row apart for a person, in the clinic's time (no patient data)."""
    start = getattr(row, "start_utc", None)
    if isinstance(start, datetime):
        return str(When(start.astimezone(tz), "day_time"))
    return f"made {When(row.created_at.astimezone(tz), 'day_time')}"


def starts_with(column: Any, key: str) -> ColumnElement[bool]:
    """``column`` starts with ``key``, in SQL: ``%``, ``_`` (and the escape character)
    in ``key`` match only themselves, never any text."""
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.like(escaped + "%", escape="\\")  # type: ignore[no-any-return]


def starting(session: Session, model: Any, key: str, *where: Any) -> list[Any]:
    """The rows of ``model`` whose id starts with ``key``, in id order: at most one more
    than a "type more" names (:data:`NAMED`), so it can say there are more."""
    query = (
        select(model).where(starts_with(model.id, key), *where).order_by(model.id).limit(NAMED + 1)
    )
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
            named = candidates(s, rows, key)
            raise Ambiguous(Text(_AMBIGUOUS_CONFLICT, candidates=named), field)
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
_AMBIGUOUS_CONFLICT = QT_TRANSLATE_NOOP(
    "core", "More than one conflict starts with that: {candidates}; give more of its id."
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
