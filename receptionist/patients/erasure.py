"""An erased patient's row, wiped at once: nothing that identifies or describes her
stays in it, on the PC that erased her or on any PC her tombstone reaches
(docs/privacy.md, "erasure"; docs/sync-protocol.md, "Erasure").

What stays is what the row needs to exist as a tombstone: its id, version and times,
when it was deleted, and its number (a chart on paper or a booking may still name
it). Everything else of :class:`Patient` is set to empty. The row's base (the row as
the endpoint last had it, ``sync_base``) is wiped too, so no copy of her values is
left in the file, and so are the addresses her reminders went to (the station's
``reminder`` rows) and her ids in the Google disclosure register (:func:`forget_sent`);
the caller takes her out of the search index, and, once the erasure's other deletions
are done, forgets the times freed for the waitlist that name her (:func:`forget_freed`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, case, delete, func, select, update
from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.journal import records
from receptionist.models import (
    Appointment,
    CommunicationEntry,
    Consent,
    FreedSlot,
    GoogleDisclosure,
    Patient,
    PatientDocument,
    Reminder,
    Synced,
    WaitlistEntry,
)
from receptionist.patients import blanking, commlog, documents

# Each synced field of a patient that identifies or describes her, and its empty value.
WIPED: dict[str, Any] = {
    "given_name": "", "family_name": "", "national_id": None, "birth_date": None,
    "gender": None, "phone": None, "email": None, "address": "",
    "preferred_language": None, "preferred_channel": None, "notes": "", "alert": "",
    # a restriction of processing: its reason is in her words; erased, nothing is left
    # to restrict
    "restricted_at": None, "restriction_reason": "",
}  # fmt: skip
# What an erased patient's row keeps (``sort_key`` is local, and wiped with the names;
# ``anonymised_at``, when a sweep anonymised her before, says nothing of her).
KEPT = frozenset(
    {"id", "created_at", "updated_at", "version", "deleted_at", "number", "anonymised_at"}
)
LOCAL_WIPED: dict[str, Any] = {"sort_key": ""}
# Her rows an erasure deletes (tombstones, so the deletions sync), here and on every PC
# her tombstone reaches (``replica.erased``); her documents and log entries are wiped.
DELETED: tuple[type[Synced], ...] = (Appointment, WaitlistEntry, Consent)
# What removing each kind of her rows empties, in the row and in its base (one rule,
# :func:`blank`: on the erasing PC, where her tombstone is pulled, in a full download's
# sweep): a document's bytes, name and note; a log entry's summary and the start a
# reminder named; the free text of her bookings (notes, why cancelled or overridden)
# and of her waiting-list entries. The tombstones, here and on every PC they reach,
# keep only times, ids and statuses; the bases keep their versions.
BLANKED: dict[type[Synced], Mapping[str, Any]] = {
    PatientDocument: documents.BLANK,
    CommunicationEntry: commlog.BLANK,
    Appointment: {"notes": "", "cancellation_reason": "", "override_reason": ""},
    WaitlistEntry: {"note": ""},
}
# Every kind of row of hers an erasure removes, as :func:`counts_of` counts them.
REMOVED: tuple[type[Synced], ...] = (*DELETED, PatientDocument, CommunicationEntry)
_BY_KEY = 500  # keys in one IN (well under SQLite's bound on parameters)


def wipe(session: Session, patient: Patient) -> None:
    """Empty every identifying and describing field of ``patient`` and of her base."""
    for name, value in (WIPED | LOCAL_WIPED).items():
        setattr(patient, name, value)
    forget_sent(session, [patient.id])
    blanking.wipe_base(session, Patient.__tablename__, patient.id, WIPED)


def remove_rows_of(session: Session, ctx: Ctx, patient_id: str) -> int:
    """Every live row of hers gone, each as an audited change of ``ctx``: her documents
    and communication entries wiped and deleted, her appointments, waiting-list entries
    and consents deleted, their free text emptied (:data:`BLANKED`, in their bases too;
    the times her bookings held are free again). A legal or medical hold stays: lifting one is a
    person's decision. How many rows."""
    gone = documents.remove_all_of(session, ctx, patient_id)
    gone += commlog.remove_all_of(session, ctx, patient_id)
    for model in DELETED:
        for row in records.live_of_patient(session, model, patient_id):
            blank(session, row)
            records.tombstone(session, ctx, row, model.__tablename__)  # type: ignore[attr-defined]
            gone += 1
    return gone


def blank(session: Session, row: Synced) -> None:
    """What her erasure empties of ``row`` (:func:`wipe` for her own row, else
    :data:`BLANKED`), emptied in the row and in its base (here, or by a full
    download's sweep: ``replica.sweep``)."""
    if isinstance(row, Patient):
        wipe(session, row)
    else:
        blanking.blank(session, row, BLANKED.get(type(row), {}))


def removal_wins(session: Session, row: Synced) -> bool:
    """Whether ``row``, deleted here, was wiped as it went: a removed document, or a row
    of an erased patient. A pulled live record of it changes nothing: the removal wins
    (its tombstone is taken whatever the versions), and a merge over its wiped base
    would bring her words back into the tombstone."""
    if row.deleted_at is None or type(row) not in REMOVED:
        return False
    if isinstance(row, PatientDocument):
        return True
    patient = session.get(Patient, getattr(row, "patient_id"))  # noqa: B009
    return patient is not None and patient.deleted_at is not None


def counts_of(session: Session, patient_id: str) -> dict[str, int]:
    """How many live rows of each kind (by table) her erasure would remove."""
    found: dict[str, int] = {}
    for model in REMOVED:
        owner = getattr(model, "patient_id")  # noqa: B009 - not every Synced has one
        query = select(func.count()).where(owner == patient_id, model.deleted_at.is_(None))
        found[model.__tablename__] = int(session.scalar(query) or 0)  # type: ignore[attr-defined]
    return found


# Patients given by their ids, or by a query of their ids (the sweep's batch: one
# statement for all of them, where thousands of ids were as many parameters).
Patients = Iterable[str] | Select[Any]


def forget_sent(session: Session, patient_ids: Patients) -> None:
    """What left the clinic about erased (or purged) patients, emptied of them: the
    addresses her messages went to (:func:`forget_sent_to`) and her ids in the Google
    disclosure register (:func:`forget_disclosed`)."""
    ids = patient_ids if isinstance(patient_ids, Select) else list(patient_ids)
    forget_sent_to(session, ids)
    forget_disclosed(session, ids)


def _groups(patient_ids: Patients) -> list[Select[Any] | list[str]]:
    """A query as it is; ids in groups of :data:`_BY_KEY` (each an IN's parameters)."""
    if isinstance(patient_ids, Select):
        return [patient_ids]
    ids = sorted(set(patient_ids))
    return [ids[at : at + _BY_KEY] for at in range(0, len(ids), _BY_KEY)]


def forget_disclosed(session: Session, patient_ids: Patients) -> None:
    """Her rows of the Google disclosure register (``google_disclosure``, on the PC that
    runs Google sync) name her no more: her id is emptied at once; her appointment's
    too once the sending was withdrawn (her event gone from Google). A row whose event
    is still there keeps the appointment's id, so its deletion, which the next Google
    round makes, is recorded against it (``google/register.withdraw``), and then it is
    emptied too. What stays: what went (initials or name), to which calendar, when,
    and when it was withdrawn."""
    for group in _groups(patient_ids):
        session.execute(
            update(GoogleDisclosure)
            .where(GoogleDisclosure.patient_id.in_(group))
            .values(
                patient_id="",
                appointment_id=case(
                    (GoogleDisclosure.withdrawn_at.is_(None), GoogleDisclosure.appointment_id),
                    else_="",
                ),
            )
        )


def forget_sent_to(session: Session, patient_ids: Patients) -> None:
    """The addresses her messages went to (``Reminder.sent_to``), emptied: the rows
    stay, as the station's record of what it sent, with nothing of her."""
    ids = patient_ids if isinstance(patient_ids, Select) else list(patient_ids)
    if isinstance(ids, Select) or ids:
        session.execute(
            update(Reminder)
            .where(Reminder.patient_id.in_(ids), Reminder.sent_to != "")
            .values(sent_to="")
        )


def freed_mark(session: Session) -> int:
    """The newest ``freed_slot`` row's seq: taken before an erasure, what its own
    deletions of her bookings write comes after it (:func:`forget_freed`)."""
    return int(session.scalar(select(func.max(FreedSlot.seq))) or 0)


def forget_freed(session: Session, patient_ids: Iterable[str], mark: int) -> None:
    """The times freed for the waitlist (``freed_slot``) that name an erased patient:
    her id, her appointment's, and its times. Those written before the erasure (up to
    ``mark``) of ``patient_ids`` are deleted: the waitlist was offered each as it was
    written, or never will be (it reads only rows written while the app is open).
    Those written since ``mark`` for any erased patient (the erasure's own deletions of
    her bookings, here or pulled) stay, for the waitlist to be offered the time, but
    name nobody: her id and her appointment's are emptied. Reads no patient when
    nothing was freed since ``mark``."""
    ids = sorted(set(patient_ids))
    for at in range(0, len(ids), _BY_KEY):
        part = ids[at : at + _BY_KEY]
        session.execute(
            delete(FreedSlot).where(FreedSlot.seq <= mark, FreedSlot.patient_id.in_(part))
        )
    fresh = sorted(
        set(session.scalars(select(FreedSlot.patient_id).where(FreedSlot.seq > mark))) - {""}
    )
    for at in range(0, len(fresh), _BY_KEY):
        erased = select(Patient.id).where(
            Patient.id.in_(fresh[at : at + _BY_KEY]), Patient.deleted_at.is_not(None)
        )
        found = list(session.scalars(erased))
        if found:
            session.execute(
                update(FreedSlot)
                .where(FreedSlot.seq > mark, FreedSlot.patient_id.in_(found))
                .values(patient_id="", appointment_id="")
            )


def wiped(values: dict[str, Any]) -> dict[str, Any]:
    """A deleted patient's values (as a pulled record or a base holds them), wiped."""
    return {**values, **{name: value for name, value in WIPED.items() if name in values}}


def is_wiped(values: dict[str, Any]) -> bool:
    return all(values.get(name, value) == value for name, value in WIPED.items())
