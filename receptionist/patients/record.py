"""Patients: add, change, open and delete a record, each audited and kept searchable.

Every call takes the session of ``db.write()`` (or ``db.read()`` for lookups) and a
Ctx; permissions are checked first, every field is validated before anything is
written, and the search index (receptionist.patients.search) changes in the same transaction.

Gender and birth date are optional data (KVKK/GDPR): storing a value for either
needs the patient's ``optional_data`` consent, given in the same call
(``consents={"optional_data": True}``) or already on file; otherwise the call is
refused with a ValidationError on that field. Clearing them needs no consent, and
withdrawing the consent erases them (receptionist.privacy.consents).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import NotFound, PermissionDenied, ValidationError
from receptionist.journal import audit
from receptionist.models import Clinic, Patient
from receptionist.patients import erasure, validation
from receptionist.patients.duplicates import refuse_duplicates
from receptionist.patients.numbering import next_patient_number, normalise_number
from receptionist.patients.searchindex import index_patient, unindex_patient
from receptionist.privacy import anonymised
from receptionist.privacy.consents import check_decisions, current_consents, record_consent
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.texts import QT_TRANSLATE_NOOP, Text

OPTIONAL_DATA = ("gender", "birth_date")
_INDEXED = ("given_name", "family_name", "phone", "national_id", "email")
_DUPLICATE_KEYS = ("given_name", "family_name", "phone", "national_id", "birth_date")


def _require(ctx: Ctx, permission: str) -> None:
    if not ctx.actor.may(permission):
        if permission == "patient.erase":
            raise PermissionDenied(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "Your role may not erase patient records; ask a manager or an "
                        "administrator.",
                    )
                )
            )
        if permission == "patient.export":
            raise PermissionDenied(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "Your role may not export a patient's record; ask a manager or an "
                        "administrator.",
                    )
                )
            )
        if permission == "patient.write":
            raise PermissionDenied(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core", "Your role may not change patient records; ask a manager."
                    )
                )
            )
        raise PermissionDenied(
            Text(
                QT_TRANSLATE_NOOP("core", "Your role may not open patient records; ask a manager.")
            )
        )


def require_erase(ctx: Ctx) -> None:
    """Refuse unless the actor may erase a patient (``patient.erase``)."""
    _require(ctx, "patient.erase")


def require_export(ctx: Ctx) -> None:
    """Refuse unless the actor may export a patient's whole record (``patient.export``)."""
    _require(ctx, "patient.export")


def _clinic_today(session: Session, ctx: Ctx) -> tuple[str, date]:
    """The clinic's phone region and today's date where the clinic is."""
    clinic = session.scalar(select(Clinic.id).where(Clinic.deleted_at.is_(None)).limit(1))
    if clinic is None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP(
                    "core", "The clinic is not set up yet; finish set-up before adding patients."
                )
            )
        )
    region = str(clinicstore.value(session, clinic_settings.PHONE_REGION))
    zone = str(clinicstore.value(session, clinic_settings.TIMEZONE))
    return region.upper(), ctx.clock.now().astimezone(ZoneInfo(zone)).date()


def _check_optional(cleaned: Mapping[str, object], consented: bool) -> None:
    for field in OPTIONAL_DATA:
        if cleaned.get(field) is not None and not consented:
            raise ValidationError(
                field,
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The {field} is optional data; record the patient's consent to "
                        "keep optional data first.",
                    ),
                    field=validation.label(field),
                ),
            )


def live(session: Session, patient_id: str) -> Patient:
    """The patient ``patient_id``, not deleted (else NotFound, saying to search again)."""
    return _get(session, patient_id)


def _get(session: Session, patient_id: str) -> Patient:
    patient = session.get(Patient, patient_id)
    if patient is None or patient.deleted_at is not None:
        raise NotFound(
            Text(QT_TRANSLATE_NOOP("core", "That patient is not on file; search for them again."))
        )
    return patient


def create_patient(
    session: Session,
    ctx: Ctx,
    *,
    given_name: str,
    family_name: str,
    phone: str | None = None,
    email: str | None = None,
    national_id: str | None = None,
    birth_date: date | str | None = None,
    gender: str | None = None,
    address: str = "",
    preferred_language: str | None = None,
    preferred_channel: str | None = None,
    notes: str = "",
    alert: str = "",
    consents: Mapping[str, bool] | None = None,
    allow_duplicate: bool = False,
) -> Patient:
    """Add a patient; raises DuplicatePatient for a likely duplicate unless allowed."""
    _require(ctx, "patient.write")
    region, today = _clinic_today(session, ctx)
    fields = {
        "given_name": given_name, "family_name": family_name, "phone": phone, "email": email,
        "national_id": national_id, "birth_date": birth_date, "gender": gender,
        "address": address, "preferred_language": preferred_language,
        "preferred_channel": preferred_channel, "notes": notes, "alert": alert,
    }  # fmt: skip
    cleaned = validation.clean(fields, region=region, today=today)
    decisions = check_decisions(consents or {})
    _check_optional(cleaned, decisions.get("optional_data", False))
    if not allow_duplicate:
        refuse_duplicates(session, cleaned)
    now = ctx.clock.now()
    patient = Patient(
        **cleaned,
        number=next_patient_number(session, ctx.clock),
        created_at=now,
        updated_at=now,
        version=1,
    )
    index_patient(session, patient)  # adds, places and indexes it
    audit.record(session, ctx, "create", "patient", patient.id)
    for purpose, granted in decisions.items():
        record_consent(session, ctx, patient.id, purpose, granted)
    return patient


def update_patient(
    session: Session,
    ctx: Ctx,
    patient_id: str,
    *,
    consents: Mapping[str, bool] | None = None,
    allow_duplicate: bool = False,
    **changes: object,
) -> Patient:
    """Change the given fields (keyword = Patient field); unchanged values are no-ops.

    ``consents`` records decisions in the same transaction, after the changes.
    """
    _require(ctx, "patient.write")
    patient = _get(session, patient_id)
    anonymised.refuse(patient)  # nothing of a person goes back into her record
    region, today = _clinic_today(session, ctx)
    cleaned = validation.clean(changes, region=region, today=today)
    decisions = check_decisions(consents or {})
    consented = decisions.get(
        "optional_data", current_consents(session, patient.id)["optional_data"]
    )
    changed = {k: v for k, v in cleaned.items() if getattr(patient, k) != v}
    _check_optional(changed, consented)
    if changed.keys() & set(_DUPLICATE_KEYS) and not allow_duplicate:
        after = {k: changed.get(k, getattr(patient, k)) for k in _DUPLICATE_KEYS}
        refuse_duplicates(session, after, exclude_id=patient.id)
    if changed:
        for field, value in changed.items():
            setattr(patient, field, value)
        patient.touch(ctx.clock.now())
        if changed.keys() & set(_INDEXED):
            index_patient(session, patient)
        session.flush()
        audit.record(session, ctx, "update", "patient", patient.id)
    for purpose, granted in decisions.items():
        record_consent(session, ctx, patient.id, purpose, granted)
    return patient


def open_patient(session: Session, ctx: Ctx, patient_id: str) -> Patient:
    """The record to show; every opening is audited."""
    _require(ctx, "patient.read")
    patient = _get(session, patient_id)
    audit.record(session, ctx, "open", "patient", patient.id)
    return patient


def open_by_number(session: Session, ctx: Ctx, number: str) -> Patient:
    """Open the patient with this number, typed in any case ("a-12" finds "A-12")."""
    _require(ctx, "patient.read")
    stored = normalise_number(number)
    patient_id = None
    if stored is not None:
        patient_id = session.scalar(
            select(Patient.id).where(Patient.number == stored, Patient.deleted_at.is_(None))
        )
    if patient_id is None:
        raise NotFound(
            Text(
                QT_TRANSLATE_NOOP("core", "No patient has this number; check it or search by name.")
            )
        )
    return open_patient(session, ctx, patient_id)


def delete_patient(session: Session, ctx: Ctx, patient_id: str) -> None:
    """Tombstone the record (so the deletion can sync), wiping every field that
    identifies or describes her at once (``patients.erasure``: the tombstone keeps her
    id, version and number), take it out of search, wipe the documents and the
    communication log kept with it, delete her appointments, waiting-list entries and
    consents (``erasure.remove_rows_of``), and forget the times her bookings freed for
    the waitlist (``erasure.forget_freed``). Only a manager or an administrator may
    (``patient.erase``)."""
    _require(ctx, "patient.erase")
    patient = _get(session, patient_id)
    freed = erasure.freed_mark(session)
    erasure.remove_rows_of(session, ctx, patient.id)
    now = ctx.clock.now()
    unindex_patient(session, patient)
    erasure.wipe(session, patient)
    patient.deleted_at = now
    patient.touch(now)
    session.flush()
    erasure.forget_freed(session, [patient.id], freed)
    audit.record(session, ctx, "delete", "patient", patient.id)
