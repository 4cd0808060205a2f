"""Everything kept of one patient, gathered for her copy (right of access and
portability: KVKK art. 11, GDPR art. 15 and 20), as plain JSON-ready data.

:func:`gather` reads, in the caller's session, what ``ops.export`` writes to
``record.json``: her fields, her consents with their history, a restriction, a hold,
her appointments (past and future, every status), waiting-list entries,
communication-log entries, the messages sent to her, her documents' metadata, and the
recipients her data went to (the Google disclosure register, the reminder channels).
Times are UTC, ISO 8601. :data:`COVERED` names every table holding rows of a patient
and says where each goes, so a new one must be placed (``tests/test_export.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from receptionist.journal import records
from receptionist.models import (
    Appointment,
    CommunicationEntry,
    Consent,
    GoogleDisclosure,
    Patient,
    PatientDocument,
    Provider,
    Reminder,
    Room,
    Service,
    WaitlistEntry,
)
from receptionist.patients import validation
from receptionist.privacy import consents as privacy
from receptionist.retention import holds
from receptionist.schedule import catalog
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore

SCHEMA: Final = "receptionist.patient-record"
SCHEMA_VERSION: Final = 1
DOCUMENTS_FOLDER: Final = "documents"
# Messages that left, or may have left, this PC for a provider (reminders/dispatch).
LEFT_STATES: Final = ("sent", "failed", "unknown")
# Every table with rows of a patient -> the key of record.json that holds them, or why
# none does.
COVERED: Final = {
    "patient": "patient",
    "consent": "consents",
    "patient_hold": "hold",
    "appointment": "appointments",
    "waitlist_entry": "waiting_list",
    "communication_entry": "communication_log",
    "reminder": "messages_sent",
    "patient_document": "documents",
    "google_disclosure": "recipients",
    "freed_slot": "not exported: the waitlist's note of a time freed (ids and times only)",
}


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def gather(session: Session, patient: Patient, now: datetime) -> dict[str, Any]:
    """Her record as ``record.json`` holds it (see the module's docstring)."""
    names = _names(session)
    held = holds.of(session, patient.id)
    documents = _documents(session, patient.id)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "exported_at": iso(now),
        "clinic": {
            "name": str(clinicstore.value(session, clinic_settings.NAME)),
            "timezone": str(clinicstore.value(session, clinic_settings.TIMEZONE)),
        },
        "patient": _patient(patient),
        "restriction": None
        if patient.restricted_at is None
        else {"since": iso(patient.restricted_at), "reason": patient.restriction_reason},
        "hold": None if held is None else {"reason": held.reason, "since": iso(held.placed_at)},
        "consents": _consents(session, patient.id),
        "appointments": [_appointment(a, names) for a in _appointments(session, patient.id)],
        "waiting_list": [_wish(w, names) for w in _live(session, WaitlistEntry, patient.id)],
        "communication_log": [_entry(e) for e in _log(session, patient.id)],
        "messages_sent": [_message(r) for r in _messages(session, patient.id)],
        "documents": documents,
        "recipients": _recipients(session, patient.id),
    }


def document_ids(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(document id, its path in the zip) of each document ``record`` lists."""
    return [(d["id"], d["file"]) for d in record["documents"]]


def document_bytes(session: Session, document_id: str) -> bytes:
    """One document's bytes (read alone: a list of documents never loads them)."""
    content = session.scalar(
        select(PatientDocument.content).where(PatientDocument.id == document_id)
    )
    return bytes(content or b"")


def counts(record: dict[str, Any]) -> dict[str, int]:
    """How many of each kind ``record`` holds, as the CLI and the desk say them."""
    kinds = ("appointments", "waiting_list", "communication_log", "messages_sent", "documents")
    found = {kind: len(record[kind]) for kind in kinds}
    found["consent_decisions"] = len(record["consents"]["history"])
    found["google_disclosures"] = len(record["recipients"]["google_calendar"])
    return found


def _patient(p: Patient) -> dict[str, Any]:
    fields = {f: _plain(getattr(p, f)) for f in validation.FIELDS}
    return {"id": p.id, "number": p.number, **fields,
            "created_at": iso(p.created_at), "updated_at": iso(p.updated_at)}  # fmt: skip


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _consents(session: Session, patient_id: str) -> dict[str, Any]:
    rows = session.scalars(
        select(Consent)
        .where(Consent.patient_id == patient_id, Consent.deleted_at.is_(None))
        .order_by(Consent.recorded_at, literal_column("consent.rowid"))
    )
    history = [
        {"purpose": c.purpose, "granted": c.granted, "recorded_at": iso(c.recorded_at),
         "source": c.source}
        for c in rows
    ]  # fmt: skip
    return {"current": privacy.current_consents(session, patient_id), "history": history}


def _names(session: Session) -> dict[str, str]:
    """Every provider's, service's and room's name by id, inactive ones too."""
    found = {x.id: x.name for x in catalog.listing(session, Provider, include_inactive=True)}
    found |= {x.id: x.name for x in catalog.listing(session, Service, include_inactive=True)}
    return found | {x.id: x.name for x in catalog.listing(session, Room, include_inactive=True)}


def _live(session: Session, model: Any, patient_id: str) -> list[Any]:
    rows = records.live_of_patient(session, model, patient_id)
    return sorted(rows, key=lambda r: (r.created_at, r.id))


def _appointments(session: Session, patient_id: str) -> list[Appointment]:
    rows = records.live_of_patient(session, Appointment, patient_id)
    return sorted(rows, key=lambda a: (a.start_utc, a.id))


def _appointment(a: Appointment, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": a.id, "start": iso(a.start_utc), "end": iso(a.end_utc),
        "provider": names.get(a.provider_id, ""), "service": names.get(a.service_id, ""),
        "room": names.get(a.room_id or "", ""), "status": a.status, "notes": a.notes,
        "cancellation_reason": a.cancellation_reason, "arrived_at": iso(a.arrived_at),
        "booked_at": iso(a.created_at),
    }  # fmt: skip


def _wish(w: WaitlistEntry, names: dict[str, str]) -> dict[str, Any]:
    return {
        "service": names.get(w.service_id, ""), "provider": names.get(w.provider_id or "", ""),
        "earliest_date": iso(w.earliest_date), "latest_date": iso(w.latest_date),
        "times_of_day": list(w.times_of_day), "weekdays": list(w.weekdays), "note": w.note,
        "priority": w.priority, "status": w.status, "added_at": iso(w.created_at),
    }  # fmt: skip


def _log(session: Session, patient_id: str) -> list[CommunicationEntry]:
    rows = records.live_of_patient(session, CommunicationEntry, patient_id)
    return sorted(rows, key=lambda e: (e.occurred_at, e.created_at, e.id))


def _entry(e: CommunicationEntry) -> dict[str, Any]:
    return {
        "at": iso(e.occurred_at), "channel": e.channel, "direction": e.direction,
        "summary": e.summary, "appointment_id": e.appointment_id,
        "appointment_start": iso(e.appointment_start),
    }  # fmt: skip


def _messages(session: Session, patient_id: str) -> list[Reminder]:
    return list(
        session.scalars(
            select(Reminder)
            .where(Reminder.patient_id == patient_id, Reminder.state.in_(LEFT_STATES))
            .order_by(Reminder.send_at, Reminder.id)
        )
    )


def _message(r: Reminder) -> dict[str, Any]:
    return {
        "kind": r.kind, "channel": r.channel, "state": r.state, "sent_to": r.sent_to,
        "at": iso(r.finished_at or r.claimed_at or r.send_at),
        "appointment_id": r.appointment_id, "appointment_start": iso(r.appointment_start),
    }  # fmt: skip


def _documents(session: Session, patient_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            PatientDocument.id, PatientDocument.file_name, PatientDocument.media_type,
            PatientDocument.size_bytes, PatientDocument.sha256, PatientDocument.note,
            PatientDocument.created_at,
        )
        .where(PatientDocument.patient_id == patient_id, PatientDocument.deleted_at.is_(None))
        .order_by(PatientDocument.created_at, PatientDocument.id)
    )  # fmt: skip
    return [
        {"id": d.id, "file": _zip_name(n, d.file_name), "name": d.file_name,
         "media_type": d.media_type, "size_bytes": d.size_bytes, "sha256": d.sha256,
         "note": d.note, "added_at": iso(d.created_at)}
        for n, d in enumerate(rows, 1)
    ]  # fmt: skip


def _zip_name(n: int, file_name: str) -> str:
    """Where the document goes in the zip: numbered (two may share a name), its name
    kept but for anything that would make a folder of it."""
    safe = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in file_name)
    return f"{DOCUMENTS_FOLDER}/{n:02d}-{safe.strip(' .') or 'document'}"


def _recipients(session: Session, patient_id: str) -> dict[str, Any]:
    told = session.scalars(
        select(GoogleDisclosure)
        .where(GoogleDisclosure.patient_id == patient_id)
        .order_by(GoogleDisclosure.at, GoogleDisclosure.seq)
    )
    google = [
        {"what": g.what, "recipient": g.recipient, "at": iso(g.at),
         "appointment_id": g.appointment_id, "withdrawn_at": iso(g.withdrawn_at)}
        for g in told
    ]  # fmt: skip
    return {
        "google_calendar": google,
        "reminder_channels": _channels(_messages(session, patient_id)),
    }


def _channels(sent: Iterable[Reminder]) -> list[dict[str, Any]]:
    """Each channel a message to her went by: how many, the first and the last."""
    by: dict[str, list[datetime]] = {}
    for r in sent:
        if r.channel:
            by.setdefault(r.channel, []).append(r.finished_at or r.claimed_at or r.send_at)
    return [
        {"channel": channel, "messages": len(times), "first_at": iso(min(times)),
         "last_at": iso(max(times))}
        for channel, times in sorted(by.items())
    ]  # fmt: skip
