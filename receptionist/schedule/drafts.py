"""A proposed appointment and how it is checked before anything is written.

A :class:`Draft` names who, with whom, for what, when and where. Planning it checks
that the patient exists, the provider, service and room exist and are active, and the
times make sense, then asks :mod:`conflicts` what it would clash with. The same checks
serve booking, moving, the dry run while typing, series and the slot finder.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import NotFound, ValidationError
from receptionist.freetext import refuse_controls
from receptionist.models import Patient, Provider, Room, Service
from receptionist.privacy import anonymised
from receptionist.schedule import catalog, conflicts
from receptionist.schedule.clinic import get_clinic
from receptionist.schedule.conflicts import Conflict, Request
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import as_utc

MAX_NOTES_BYTES: Final = 1024 * 1024
MAX_REASON_CHARS: Final = 2000

_KINDS = {  # catalog.LABELS, as a message names them
    "provider": Text(QT_TRANSLATE_NOOP("core", "provider")),
    "room": Text(QT_TRANSLATE_NOOP("core", "room")),
    "service": Text(QT_TRANSLATE_NOOP("core", "service")),
}


@dataclass(frozen=True)
class Draft:
    """A proposed appointment: who, with whom, for what, when and where.

    ``end`` defaults to ``start`` plus the service's duration.
    """

    patient_id: str
    provider_id: str
    service_id: str
    start: datetime
    end: datetime | None = None
    room_id: str | None = None


def clean_notes(value: Any) -> str:
    """An appointment's notes: up to 1 MB, line breaks and tabs but no other control
    characters (:mod:`receptionist.freetext`)."""
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError(
            "notes",
            Text(QT_TRANSLATE_NOOP("core", "The notes must be plain text without NUL characters.")),
        )
    if len(value) * 4 > MAX_NOTES_BYTES and len(value.encode("utf-8")) > MAX_NOTES_BYTES:
        raise ValidationError(
            "notes",
            Text(QT_TRANSLATE_NOOP("core", "The notes are longer than 1 MB; shorten them.")),
        )
    return refuse_controls(value, "notes")


def bookable_patient(session: Session, patient_id: str) -> None:
    """Check the patient exists and may be booked (not anonymised), reading no more of
    the record than that."""
    row = session.execute(
        select(Patient.deleted_at, Patient.anonymised_at, Patient.number).where(
            Patient.id == patient_id
        )
    ).first()
    if row is not None and row.deleted_at is None:
        anonymised.refuse_number(row.number, row.anonymised_at is not None)
    if row is None or row.deleted_at is not None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "There is no patient with that id; search for the patient again."
                )
            )
        )


def refuse_anonymised(session: Session, patient_id: str) -> None:
    """:class:`anonymised.Anonymised` when the patient of a kept visit was anonymised:
    words written on the visit (a cancellation's reason) would tie a person to it again
    (``privacy/anonymised.py``)."""
    row = session.execute(
        select(Patient.anonymised_at, Patient.number).where(Patient.id == patient_id)
    ).first()
    if row is not None:
        anonymised.refuse_number(row.number, row.anonymised_at is not None)


def bookable(session: Session, model: type[catalog.Named], row_id: str) -> catalog.Named:
    row = catalog.get(session, model, row_id)
    if not row.active:
        label = catalog.LABELS[model]
        message = QT_TRANSLATE_NOOP("core", "This {kind} is inactive; choose an active {kind}.")
        raise ValidationError(label, Text(message, kind=_KINDS[label]))
    return row


_WHOLE_MINUTES: Final = {
    "start": Text(
        QT_TRANSLATE_NOOP(
            "core", "The start is in whole minutes (like 2026-03-02T09:30); leave out seconds."
        )
    ),
    "end": Text(
        QT_TRANSLATE_NOOP(
            "core", "The end is in whole minutes (like 2026-03-02T10:00); leave out seconds."
        )
    ),
}


def whole_minutes(moment: datetime, field: str) -> datetime:
    """``moment`` if it has no seconds: every listing, card and conflict message shows
    minutes only, so 13:00:30 would read as 13:00 and the next booking at 13:20 would be
    refused for a clash nobody can see. One rule for the app, the CLI and sync."""
    if moment.second or moment.microsecond:
        raise ValidationError(field, _WHOLE_MINUTES[field])
    return moment


def times(start: datetime, end: datetime | None, length: timedelta) -> tuple[datetime, datetime]:
    """UTC start and end (``end`` defaults to start plus ``length``), in whole minutes,
    in order and not longer than an appointment may last."""
    start = whole_minutes(as_utc(start, "start"), "start")
    end = start + length if end is None else whole_minutes(as_utc(end, "end"), "end")
    if end <= start:
        raise ValidationError(
            "end",
            Text(QT_TRANSLATE_NOOP("core", "The end must be after the start; fix the times.")),
        )
    if end - start > conflicts.MAX_DURATION:
        raise ValidationError(
            "end",
            Text(
                QT_TRANSLATE_NOOP("core", "An appointment can last at most 12 hours; shorten it.")
            ),
        )
    return start, end


def plan(
    session: Session, draft: Draft, exclude_id: str | None = None
) -> tuple[datetime, datetime, list[Conflict]]:
    """Validate ``draft`` and find its conflicts; an appointment being moved
    (``exclude_id``) may keep a service that has since been made inactive."""
    bookable_patient(session, draft.patient_id)
    provider = bookable(session, Provider, draft.provider_id)
    service = (
        bookable(session, Service, draft.service_id)
        if exclude_id is None
        else catalog.get(session, Service, draft.service_id)
    )
    if draft.room_id is not None:
        bookable(session, Room, draft.room_id)
    start, end = times(draft.start, draft.end, timedelta(minutes=service.duration_minutes))
    before, after = conflicts.buffers(service)
    req = Request(
        start, end, provider.id, draft.patient_id, draft.room_id, before, after, exclude_id
    )
    return start, end, conflicts.check(session, get_clinic(session), provider, req)


def check(
    session: Session, ctx: Ctx, draft: Draft, exclude_id: str | None = None
) -> list[Conflict]:
    """The conflicts ``draft`` would have, without booking (for warnings while typing)."""
    require(
        ctx, "patient.read", Text(QT_TRANSLATE_NOOP("core", "Your role cannot see appointments."))
    )
    return plan(session, draft, exclude_id)[2]
