"""Restriction of processing (GDPR art. 18, KVKK art. 11): a patient whose data is
only kept, not used, while a dispute about it is settled.

Marking and lifting are audited (``patient.restrict`` / ``patient.unrestrict``) and
need the permission that records a patient's privacy choices (``patient.write``, as
consents do). The restriction is two patient fields, synced sealed like the others:
``restricted_at`` (None while not restricted) and ``restriction_reason``.

What it stops, each decided here and asked by the room that does it:

- messages: no reminder, confirmation, reschedule or cancellation message is planned
  or sent (``reminders.plan`` and ``reminders.compose`` ask :func:`restricted_among`
  and :func:`is_restricted`; a queued one is skipped with :data:`REASON`);
- Google: the event shows no name or initials (``google.outbox`` asks
  :func:`shows_name`), whatever the clinic's title setting.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied
from receptionist.freetext import clean_text
from receptionist.journal import audit
from receptionist.models import Patient
from receptionist.privacy import anonymised
from receptionist.texts import QT_TRANSLATE_NOOP, Text

REASON = "restricted"  # a message's reason code when skipped for a restriction
MAX_REASON = 500
CHUNK = 500


def restrict(session: Session, ctx: Ctx, patient_id: str, reason: str = "") -> Patient:
    """Mark the patient restricted from now, with ``reason`` ("" for none). Marking
    one already restricted changes only the reason (the date stays)."""
    _require(ctx)
    cleaned = clean_text(reason if reason is not None else "", "reason", MAX_REASON)
    patient = _get(session, patient_id)
    anonymised.refuse(patient)
    if patient.restricted_at is not None and patient.restriction_reason == cleaned:
        return patient  # nothing changes: no new version, no event
    now = ctx.clock.now()
    if patient.restricted_at is None:
        patient.restricted_at = now
    patient.restriction_reason = cleaned
    patient.touch(now)
    session.flush()
    audit.record(session, ctx, "patient.restrict", "patient", patient.id)
    return patient


def lift(session: Session, ctx: Ctx, patient_id: str) -> Patient:
    """Lift the patient's restriction (a no-op when there is none)."""
    _require(ctx)
    patient = _get(session, patient_id)
    anonymised.refuse(patient)
    if patient.restricted_at is None:
        return patient
    patient.restricted_at = None
    patient.restriction_reason = ""
    patient.touch(ctx.clock.now())
    session.flush()
    audit.record(session, ctx, "patient.unrestrict", "patient", patient.id)
    return patient


def is_restricted(patient: Patient | None) -> bool:
    return patient is not None and patient.restricted_at is not None


def shows_name(patient: Patient | None) -> bool:
    """Whether anything sent out of the clinic (a Google event) may name the patient."""
    return patient is not None and not is_restricted(patient)


def restricted_among(session: Session, patient_ids: Iterable[str | None]) -> set[str]:
    """The restricted ones among ``patient_ids`` (read through a partial index)."""
    wanted = sorted({p for p in patient_ids if p})
    found: set[str] = set()
    for start in range(0, len(wanted), CHUNK):
        query = select(Patient.id).where(
            Patient.restricted_at.is_not(None), Patient.id.in_(wanted[start : start + CHUNK])
        )
        found.update(session.scalars(query))
    return found


def _require(ctx: Ctx) -> None:
    if not ctx.actor.may("patient.write"):
        raise PermissionDenied(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Your role may not restrict or lift the processing of a patient's data; "
                    "ask a receptionist or manager.",
                )
            )
        )


def _get(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(
            Text(QT_TRANSLATE_NOOP("core", "That patient is not on file; search for them again."))
        )
    return patient


def restricted_ids(session: Session) -> set[str]:
    """Every restricted patient's id (a handful: read through a partial index)."""
    query = select(Patient.id).where(Patient.restricted_at.is_not(None))
    return set(session.scalars(query))
