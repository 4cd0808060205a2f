"""Operations on patients: find, add, show (the audited opening), update, consent,
history and delete.

Each function owns its transaction and returns plain data (``PatientRow``,
``PatientRecord`` and other frozen dataclasses), never an ORM row. The rules, the
permission checks and the audit events live in ``receptionist.patients.record`` and
``receptionist.privacy.consents``; a patient's appointments are read through
``receptionist.schedule.appointments``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.errors import DuplicatePatient, UserError
from receptionist.folding import fold
from receptionist.journal import audit
from receptionist.models import Patient, Provider, Room, Service, names, new_id
from receptionist.ops import backups
from receptionist.ops.conflicterasure import close_erased
from receptionist.patients import erasure, record, search, validation
from receptionist.patients.search import PatientRow, row_of
from receptionist.privacy import anonymised, restriction
from receptionist.privacy import consents as privacy
from receptionist.retention import holds
from receptionist.retention import records as destruction
from receptionist.retention.review import ENTITY
from receptionist.schedule import appointments, catalog
from receptionist.settings import clinic as clinic_settings
from receptionist.settings import clinicstore
from receptionist.store.storage import Database
from receptionist.texts import QT_TRANSLATE_NOOP, Text, message

__all__ = [
    "ANONYMISED",
    "CONSENT_PURPOSES",
    "FIELDS",
    "Duplicates",
    "ErasurePlan",
    "NewPatient",
    "PatientRecord",
    "PatientRow",
    "Visit",
    "add",
    "add_record",
    "clinic_zone",
    "consent",
    "delete",
    "erasure_plan",
    "find",
    "history",
    "lift_restriction",
    "restrict",
    "row_of",
    "show",
    "update",
]

FIELDS = validation.FIELDS  # the fields of a record, in the order a form shows them
CONSENT_PURPOSES = privacy.PURPOSES
# The name shown for a patient the retention sweep anonymised (``models.names``), for
# the front ends, which do not import the models.
ANONYMISED = names.ANONYMISED
# The policy an erasure's destruction records name: a person's request, not a period.
ERASURE_POLICY = destruction.ERASURE_POLICY
# A patient's whole history: appointments outside these years cannot be booked.
_EVER = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2201, 1, 1, tzinfo=UTC))
T = TypeVar("T")


@dataclass(frozen=True)
class NewPatient:
    """What a new patient is made of (the fields of ``patients.record.create_patient``)."""

    given_name: str
    family_name: str
    phone: str | None = None
    fields: Mapping[str, object] = field(default_factory=dict)  # email, national_id, ...
    consents: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Duplicates:
    """The core's likely-duplicate warning (a ``Text``) and the patients it points at."""

    message: str
    matches: list[PatientRow]


@dataclass(frozen=True)
class Visit:
    """One appointment in the patient's history (times in UTC; names "" when gone)."""

    id: str
    start_utc: datetime
    end_utc: datetime
    service: str
    provider: str
    status: str
    room: str = ""
    override_reason: str | None = None


@dataclass(frozen=True)
class PatientRecord:
    """A patient's record as opened: the fields, the consents and the appointments."""

    id: str
    number: str
    fields: Mapping[str, object]  # FIELDS -> the stored value
    consents: Mapping[str, bool]  # every purpose -> whether consent is given now
    consent_dates: Mapping[str, datetime]  # purpose -> when the latest decision was made
    visits: tuple[Visit, ...]  # by start, oldest first
    timezone: str = "UTC"  # the clinic's zone, in which its times are shown
    # Restriction of processing: since when (None: not restricted), and why.
    restricted_at: datetime | None = None
    restriction_reason: str = ""
    # When the retention sweep anonymised her (``retention/anonymise.py``); None: not.
    anonymised_at: datetime | None = None

    @property
    def restricted(self) -> bool:
        return self.restricted_at is not None

    @property
    def anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def display_name(self) -> str:
        f = self.fields
        return names.display_name(str(f["given_name"] or ""), str(f["family_name"] or ""))

    def row(self) -> PatientRow:
        """This patient as a search result shows it (to book them, say)."""
        f = self.fields
        born, phone, alert = f.get("birth_date"), f.get("phone"), f.get("alert")
        return search.patient_row(
            self.id,
            self.number,
            (str(f.get("given_name") or ""), str(f.get("family_name") or "")),
            phone if isinstance(phone, str) and phone else None,
            born if isinstance(born, date) else None,
            alert if isinstance(alert, str) else None,
        )


def find(
    db: Database, ctx: Ctx, query: str, *, limit: int = search.DEFAULT_LIMIT
) -> list[PatientRow]:
    """Search as you type: the patients ``query`` finds, best first."""
    with db.read() as s:
        return search.search_patients(s, ctx, query, limit=limit)


def add(
    db: Database, ctx: Ctx, new: NewPatient, *, allow_duplicate: bool = False
) -> PatientRow | Duplicates:
    """Add a patient; a likely duplicate (unless allowed) comes back as
    :class:`Duplicates` and nothing is written."""
    return _add(db, ctx, new, allow_duplicate, lambda _s, patient: row_of(patient))


def add_record(
    db: Database, ctx: Ctx, new: NewPatient, *, allow_duplicate: bool = False
) -> PatientRecord | Duplicates:
    """:func:`add`, giving back the whole record as saved."""
    return _add(db, ctx, new, allow_duplicate, lambda s, patient: _record(s, ctx, patient))


def _add(
    db: Database,
    ctx: Ctx,
    new: NewPatient,
    allow_duplicate: bool,
    result: Callable[[Session, Patient], T],
) -> T | Duplicates:
    try:
        with db.write() as s:
            patient = record.create_patient(
                s,
                ctx,
                given_name=new.given_name,
                family_name=new.family_name,
                phone=new.phone or None,
                consents=new.consents,
                allow_duplicate=allow_duplicate,
                **new.fields,  # type: ignore[arg-type]
            )
            return result(s, patient)
    except DuplicatePatient as exc:
        return _duplicates(db, exc)


def show(db: Database, ctx: Ctx, patient_id: str) -> PatientRecord:
    """Open the patient's record to show it; every opening is audited (in a copy
    restored to look at too: looking is what it is for)."""
    with db.write(in_copy=True) as s:
        return _record(s, ctx, record.open_patient(s, ctx, patient_id))


def update(
    db: Database,
    ctx: Ctx,
    patient_id: str,
    changes: Mapping[str, object],
    *,
    consents: Mapping[str, bool] | None = None,
    allow_duplicate: bool = False,
    restrict: bool | None = None,
    reason: str = "",
) -> PatientRecord | Duplicates:
    """Change the given fields (a blank text clears an optional one), record the
    consent decisions given, and restrict (``restrict=True``, with ``reason``) or lift
    (``False``) the processing of her data, in one transaction; the record as saved
    comes back. A refused field (ValidationError naming it) or a likely duplicate
    (unless allowed, as :class:`Duplicates`) writes nothing."""
    try:
        with db.write() as s:
            patient = record.update_patient(
                s,
                ctx,
                patient_id,
                consents=consents,
                allow_duplicate=allow_duplicate,
                **changes,
            )
            if restrict is not None:
                change = restriction.restrict if restrict else _lift
                patient = change(s, ctx, patient_id, reason)
            return _record(s, ctx, patient)
    except DuplicatePatient as exc:
        return _duplicates(db, exc)


def consent(
    db: Database, ctx: Ctx, patient_id: str, purpose: str, granted: bool, *, source: str = "desk"
) -> PatientRecord:
    """Record one consent decision and return the record after it (withdrawing
    ``optional_data`` erases the birth date and gender)."""
    with db.write() as s:
        privacy.record_consent(s, ctx, patient_id, purpose, granted, source=source)
        patient = s.get(Patient, patient_id)
        assert patient is not None  # record_consent refuses a missing patient
        return _record(s, ctx, patient)


def restrict(db: Database, ctx: Ctx, patient_id: str, reason: str = "") -> PatientRecord:
    """Restrict the processing of the patient's data (no message goes to the patient, Google
    shows no name) from now, with an optional reason; audited. The record after it."""
    with db.write() as s:
        return _record(s, ctx, restriction.restrict(s, ctx, patient_id, reason))


def lift_restriction(db: Database, ctx: Ctx, patient_id: str) -> PatientRecord:
    """Lift the patient's restriction (her reminders still ahead are queued again at
    the next planning); audited. The record after it."""
    with db.write() as s:
        return _record(s, ctx, restriction.lift(s, ctx, patient_id))


def _lift(s: Session, ctx: Ctx, patient_id: str, _reason: str) -> Patient:
    return restriction.lift(s, ctx, patient_id)


def history(
    db: Database, ctx: Ctx, patient_id: str, *, since: datetime | None = None
) -> tuple[Visit, ...]:
    """The patient's appointments of every status, oldest first; with ``since``, those
    ending after it."""
    with db.read() as s:
        return _visits(s, ctx, patient_id, since)


@dataclass(frozen=True)
class ErasurePlan:
    """What erasing a patient would remove (live rows by table: ``appointment``,
    ``waitlist_entry``, ``consent``, ``patient_document``, ``communication_entry``),
    and the hold that stops it (its reason; None: none). The name and number are for
    the confirmation a person types back, on the screen only."""

    patient_id: str
    number: str
    name: str
    counts: Mapping[str, int]
    hold_reason: str | None = None
    # The backups and set-aside copies that may still hold her, and until when
    # (``backups.held_in_copies``); "" when there are none.
    copies: str = ""

    def typed_back(self, answer: str) -> bool:
        """Whether ``answer``, typed to confirm, is her number or full name (case,
        accents and spacing aside)."""
        said = fold(" ".join(answer.split()))
        return bool(said) and said in (fold(self.number), fold(" ".join(self.name.split())))


def erasure_plan(db: Database, ctx: Ctx, patient_id: str) -> ErasurePlan:
    """What :func:`delete` would remove, read only (the same permission)."""
    with db.read() as s:
        patient = _erasable(s, ctx, patient_id)
        held = holds.of(s, patient.id)
        plan = ErasurePlan(
            patient.id, patient.number, patient.display_name,
            erasure.counts_of(s, patient.id), held.reason if held is not None else None,
        )  # fmt: skip
    copies = backups.held_in_copies(db, db.path.parent, ctx.clock.now())
    return replace(plan, copies=copies or "")


def delete(db: Database, ctx: Ctx, patient_id: str) -> dict[str, int]:
    """Erase the patient: tombstone the record wiped of everything that identifies or
    describes her, take it out of search, wipe its documents and communication log
    and delete her appointments, waiting-list entries and consents
    (``patients.record.delete_patient``); close the sync conflicts that would still
    show her (``close_erased``); write the erasure's destruction records (what kind,
    how many, under :data:`ERASURE_POLICY`: no patient data). Refused, with the
    hold's reason, for a patient on legal or medical hold; only a manager or an
    administrator may. Then the WAL is folded into the file and emptied:
    ``secure_delete`` zeroed her bytes in the pages, and the WAL's older copies of
    them go too. How many rows of each kind went (``patient`` 1)."""
    with db.write() as s:
        patient = _erasable(s, ctx, patient_id)
        held = holds.of(s, patient.id)
        if held is not None:
            raise UserError(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "Patient {number} is on legal or medical hold ({reason}), so the "
                        "record cannot be erased; lift the hold first if the erasure may go "
                        "ahead.",
                    ),
                    number=patient.number,
                    reason=held.reason,
                )
            )
        gone = {"patient": 1, **erasure.counts_of(s, patient.id)}
        record.delete_patient(s, ctx, patient.id)
        now = ctx.clock.now()
        close_erased(s, now)  # a conflict on her row or her bookings would still show her
        erased_id = new_id()
        for kind, count in gone.items():
            destruction.add(s, erased_id, now, kind, count, ERASURE_POLICY)
        # Into the log's hash chain too, as a sweep's records go (``records.as_events``):
        # `sweep records` holds them against it. Counts and the policy only.
        logged = destruction.as_events(destruction.of_sweep(s, erased_id))
        audit.record_many(s, ctx, [*logged, (destruction.ERASED, ENTITY, erased_id)])
    db.checkpoint()
    return gone


def _erasable(s: Session, ctx: Ctx, patient_id: str) -> Patient:
    """The live patient ``patient_id``, if the actor may erase her (not one the
    retention sweep anonymised: nothing of hers is left to erase)."""
    record.require_erase(ctx)
    live = record.live(s, patient_id)
    anonymised.refuse(live, anonymised.NO_ERASURE)
    return live


def clinic_zone(db: Database) -> str:
    """The clinic's time zone, in which the times kept with a patient are shown."""
    with db.read() as s:
        return str(clinicstore.value(s, clinic_settings.TIMEZONE))


def _duplicates(db: Database, exc: DuplicatePatient) -> Duplicates:
    with db.read() as s:
        found = (s.get(Patient, pid) for pid in exc.matches)
        rows = [row_of(p) for p in found if p is not None and p.deleted_at is None]
    return Duplicates(message(exc), rows)


def _record(s: Session, ctx: Ctx, patient: Patient) -> PatientRecord:
    return PatientRecord(
        id=patient.id,
        number=patient.number,
        fields={f: getattr(patient, f) for f in FIELDS},
        consents=privacy.current_consents(s, patient.id),
        consent_dates=privacy.decision_dates(s, patient.id),
        visits=_visits(s, ctx, patient.id, None),
        timezone=str(clinicstore.value(s, clinic_settings.TIMEZONE)),
        restricted_at=patient.restricted_at,
        restriction_reason=patient.restriction_reason,
        anonymised_at=patient.anonymised_at,
    )


def _visits(s: Session, ctx: Ctx, patient_id: str, since: datetime | None) -> tuple[Visit, ...]:
    start = _EVER[0] if since is None else since
    found = appointments.list_appointments(
        s, ctx, start, _EVER[1], patient_id=patient_id, include_inactive=True
    )
    services, providers = _names(s, Service), _names(s, Provider)
    rooms = _names(s, Room)
    return tuple(
        Visit(
            a.id,
            a.start_utc,
            a.end_utc,
            services.get(a.service_id, ""),
            providers.get(a.provider_id, ""),
            a.status,
            rooms.get(a.room_id or "", ""),
            a.override_reason or None,
        )
        for a in found
    )


def _names(s: Session, model: type[catalog.Named]) -> dict[str, str]:
    """Every row's name by id, inactive ones too (a past visit may name them)."""
    return {x.id: x.name for x in catalog.listing(s, model, include_inactive=True)}
