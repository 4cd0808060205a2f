"""The communication log: calls, messages and visits the desk noted for a patient.

Each entry says when, how (channel), which way (in from the patient, out to them),
who logged it and a short summary, optionally tied to an appointment. Entries are
listed newest first. Adding one is audited by id only: the summary never reaches the
audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx, require
from receptionist.errors import ValidationError
from receptionist.freetext import refuse_controls
from receptionist.journal import records
from receptionist.models import Appointment, CommunicationEntry, Patient
from receptionist.patients import blanking
from receptionist.privacy import anonymised
from receptionist.texts import QT_TRANSLATE_NOOP, Text
from receptionist.zones import as_utc

ENTITY: Final = "communication_entry"
CHANNELS: Final = ("phone", "sms", "email", "whatsapp", "in_person", "letter", "other")
DIRECTIONS: Final = ("in", "out")
MAX_SUMMARY_CHARS: Final = 2000
LIST_LIMIT: Final = 500
MAX_REASON_CHARS: Final = 64  # a failed message's code (``Reminder.reason``'s width)
# What an erasure wipes of an entry, in the row and in its base (``blanking``; here,
# and in a full download's sweep, ``replica/sweep.py``): its summary and the
# appointment start a reminder named, and a failed message's reason code.
BLANK: Final[dict[str, object]] = {"summary": "", "appointment_start": None, "reason": ""}
# A PC clock a little behind the one that stamped "now" must not refuse a fresh entry.
FUTURE_SLACK: Final = timedelta(minutes=5)
LABELS: Final[dict[str, Text]] = {  # how a message names a field
    "channel": Text(QT_TRANSLATE_NOOP("core", "channel")),
    "direction": Text(QT_TRANSLATE_NOOP("core", "direction")),
}


@dataclass(frozen=True)
class CommEntry:
    """One entry as the log shows it."""

    id: str
    patient_id: str
    occurred_at: datetime
    channel: str
    direction: str
    summary: str
    recorded_by: str | None
    appointment_id: str | None
    reason: str = ""  # a failed message's code, as the dispatcher logged it ("": none)


def add(
    session: Session,
    ctx: Ctx,
    patient_id: str,
    *,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: datetime | None = None,
    appointment_id: str | None = None,
    appointment_start: datetime | None = None,
    reason: str = "",
) -> CommEntry:
    """Log a call or message; ``occurred_at`` defaults to now. Bad input writes nothing.
    ``appointment_start``: the start a reminder message named (with ``appointment_id``);
    ``reason``: the code of a message the dispatcher logged as failed (no patient data:
    a short code, at most 64 characters)."""
    require(
        ctx,
        "patient.write",
        Text(
            QT_TRANSLATE_NOOP("core", "Your role cannot log calls or messages; ask a receptionist.")
        ),
    )
    anonymised.refuse(
        records.live(
            session,
            Patient,
            patient_id,
            Text(QT_TRANSLATE_NOOP("core", "That patient is not on file any more.")),
        )
    )
    now = ctx.clock.now()
    entry = CommunicationEntry(
        patient_id=patient_id,
        occurred_at=_when(occurred_at, now),
        channel=_one_of(channel, CHANNELS, "channel"),
        direction=_one_of(direction, DIRECTIONS, "direction"),
        summary=clean_summary(summary),
        recorded_by=ctx.actor.user_id,
        appointment_id=_appointment(session, patient_id, appointment_id),
        appointment_start=as_utc(appointment_start, "appointment_start")
        if appointment_start is not None and appointment_id is not None
        else None,
        reason=_code(reason),
    )
    records.insert(session, ctx, entry, ENTITY)
    return _entry(entry)


def remove_all_of(session: Session, ctx: Ctx, patient_id: str) -> int:
    """Tombstone and blank every entry of a patient whose record is being deleted."""
    require(
        ctx,
        "patient.write",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot change the communication log.")),
    )
    rows = records.live_of_patient(session, CommunicationEntry, patient_id)
    for entry in rows:
        blanking.blank(session, entry, BLANK)
        records.tombstone(session, ctx, entry, ENTITY)
    return len(rows)


def clean_summary(value: object) -> str:
    """The summary, stripped: 1 to :data:`MAX_SUMMARY_CHARS` characters, no NUL, no
    control characters but line breaks and tabs (:mod:`receptionist.freetext`)."""
    text = value.strip() if isinstance(value, str) else ""
    if "\x00" in text:
        raise ValidationError(
            "summary",
            Text(QT_TRANSLATE_NOOP("core", "The summary holds a character that cannot be saved.")),
        )
    if not text:
        raise ValidationError(
            "summary",
            Text(QT_TRANSLATE_NOOP("core", "Write a short summary of the call or message.")),
        )
    if len(text) > MAX_SUMMARY_CHARS:
        raise ValidationError(
            "summary",
            Text(
                QT_TRANSLATE_NOOP("core", "The summary is over {limit} characters; shorten it."),
                limit=MAX_SUMMARY_CHARS,
            ),
        )
    return refuse_controls(text, "summary")


def _code(value: object) -> str:
    if not isinstance(value, str) or len(value) > MAX_REASON_CHARS or not value.isprintable():
        raise ValidationError(
            "reason",
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The reason must be a short code of at most {limit} characters."
                ),
                limit=MAX_REASON_CHARS,
            ),
        )
    return value


def _one_of(value: object, allowed: tuple[str, ...], field: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(
            field,
            Text(
                QT_TRANSLATE_NOOP("core", "Choose the {field} from: {choices}."),
                field=LABELS.get(field) or field,
                choices=", ".join(allowed),
            ),
        )
    return value


def _when(occurred_at: datetime | None, now: datetime) -> datetime:
    if occurred_at is None:
        return now
    at = as_utc(occurred_at, "occurred_at")
    if at > now + FUTURE_SLACK:
        raise ValidationError(
            "occurred_at",
            Text(QT_TRANSLATE_NOOP("core", "A call or message cannot be in the future.")),
        )
    return at


def _appointment(session: Session, patient_id: str, appointment_id: str | None) -> str | None:
    if appointment_id is None:
        return None
    appt = records.live(
        session,
        Appointment,
        appointment_id,
        Text(QT_TRANSLATE_NOOP("core", "That appointment is gone.")),
    )
    if appt.patient_id != patient_id:
        raise ValidationError(
            "appointment_id",
            Text(QT_TRANSLATE_NOOP("core", "That appointment belongs to another patient.")),
        )
    return appt.id


def list_entries(
    session: Session, ctx: Ctx, patient_id: str, *, limit: int = LIST_LIMIT
) -> list[CommEntry]:
    """The patient's log, newest first (at most ``limit`` entries)."""
    require(
        ctx,
        "patient.read",
        Text(QT_TRANSLATE_NOOP("core", "Your role cannot see the communication log.")),
    )
    query = (
        select(CommunicationEntry)
        .where(
            CommunicationEntry.patient_id == patient_id,
            CommunicationEntry.deleted_at.is_(None),
        )
        .order_by(
            CommunicationEntry.occurred_at.desc(),
            CommunicationEntry.created_at.desc(),
            CommunicationEntry.id,
        )
        .limit(limit)
    )
    return [_entry(e) for e in session.scalars(query)]


def _entry(e: CommunicationEntry) -> CommEntry:
    return CommEntry(
        e.id,
        e.patient_id,
        e.occurred_at,
        e.channel,
        e.direction,
        e.summary,
        e.recorded_by,
        e.appointment_id,
        e.reason,
    )
