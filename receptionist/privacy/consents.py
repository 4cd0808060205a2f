"""What each patient agreed to: one row per decision, the latest one counts.

Purposes: ``reminder_sms``, ``reminder_whatsapp``, ``reminder_email``,
``marketing`` and ``optional_data`` (gender and birth date). No decision on file
means no consent. Every decision records when, by whom and from where.

Withdrawing ``optional_data`` erases the patient's gender and birth date in the same
transaction: that consent is the only ground for holding them, so they go with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.journal import audit
from receptionist.models import Consent, Patient
from receptionist.privacy import anonymised
from receptionist.texts import QT_TRANSLATE_NOOP, Text

PURPOSES = ("reminder_sms", "reminder_whatsapp", "reminder_email", "marketing", "optional_data")
SOURCES = ("desk", "phone", "form", "sync", "patient")


def check_decisions(decisions: Mapping[str, object]) -> dict[str, bool]:
    """``decisions`` checked: known purposes mapped to True (given) or False (withdrawn)."""
    checked: dict[str, bool] = {}
    for purpose, granted in decisions.items():
        if purpose not in PURPOSES:
            raise ValidationError(
                "purpose",
                Text(
                    QT_TRANSLATE_NOOP("core", "The consent purpose must be one of {choices}."),
                    choices=", ".join(PURPOSES),
                ),
            )
        if not isinstance(granted, bool):
            raise ValidationError(
                "granted",
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "A consent is either given (True) or withdrawn (False)."
                    )
                ),
            )
        checked[purpose] = granted
    return checked


def current_consents(session: Session, patient_id: str) -> dict[str, bool]:
    """Every purpose mapped to whether the latest decision on file gave consent."""
    state = dict.fromkeys(PURPOSES, False)
    rows = session.execute(
        select(Consent.purpose, Consent.granted)
        .where(Consent.patient_id == patient_id, Consent.deleted_at.is_(None))
        .order_by(Consent.recorded_at, literal_column("consent.rowid"))
    )
    for purpose, granted in rows:
        if purpose in state:
            state[purpose] = granted
    return state


def decision_dates(session: Session, patient_id: str) -> dict[str, datetime]:
    """Each purpose decided so far mapped to when its latest decision was recorded."""
    rows = session.execute(
        select(Consent.purpose, Consent.recorded_at)
        .where(Consent.patient_id == patient_id, Consent.deleted_at.is_(None))
        .order_by(Consent.recorded_at, literal_column("consent.rowid"))
    )
    return {purpose: when for purpose, when in rows}


def has_consent(session: Session, patient_id: str, purpose: str) -> bool:
    return current_consents(session, patient_id)[purpose]


def record_consent(
    session: Session,
    ctx: Ctx,
    patient_id: str,
    purpose: str,
    granted: bool,
    *,
    source: str = "desk",
) -> Consent:
    """Record a decision; withdrawing ``optional_data`` also erases gender and birth date."""
    if not ctx.actor.may("patient.write"):
        raise PermissionDenied(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "Your role may not record consents; ask a receptionist or manager."
                )
            )
        )
    check_decisions({purpose: granted})
    if source not in SOURCES:
        raise ValidationError(
            "source",
            Text(
                QT_TRANSLATE_NOOP("core", "The consent source must be one of {choices}."),
                choices=", ".join(SOURCES),
            ),
        )
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(
            Text(QT_TRANSLATE_NOOP("core", "That patient is not on file; search for them again."))
        )
    anonymised.refuse(patient)
    now = ctx.clock.now()
    consent = Consent(
        patient_id=patient_id,
        purpose=purpose,
        granted=granted,
        recorded_at=now,
        recorded_by=ctx.actor.user_id,
        source=source,
        created_at=now,
        updated_at=now,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session, ctx, "consent.give" if granted else "consent.withdraw", "consent", consent.id
    )
    if purpose == "optional_data" and not granted and (patient.gender or patient.birth_date):
        patient.gender = None
        patient.birth_date = None
        patient.touch(now)
        session.flush()
        audit.record(session, ctx, "update", "patient", patient.id)
    return consent
