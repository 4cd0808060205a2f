"""A patient's erasure wins over any edit, bookings made for her offline included
(docs/sync-protocol.md, "Erasure").

The endpoint cannot see whom a booking is for (``patient_id`` is sealed), so a PC that
booked her offline, before it learnt of her erasure, pushes a live booking the
endpoint takes. Every PC undoes it as it applies a pull: once this PC holds a patient
as a tombstone, and a page brings her tombstone or a live row pointing at her, every
live row of hers here goes as this PC's own change (audited, from "sync"), pushed in
the same round: appointments (the time they held is freed on the endpoint too),
waiting-list entries and consents are deleted, documents and communication entries
wiped as the erasure wiped hers (``patients.erasure.remove_rows_of``, which the
erasure itself runs too). A legal or medical hold stays: lifting one is a
person's decision. The deletions of several PCs meet on the endpoint as tombstones
over a tombstone, which change nothing, so all converge.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from receptionist.context import Ctx
from receptionist.models import CommunicationEntry, Patient, PatientDocument, Synced
from receptionist.patients import erasure
from receptionist.patients.erasure import DELETED

from .apply import Pulled
from .held import driver

WIPED: tuple[type[Synced], ...] = (PatientDocument, CommunicationEntry)
_LOOKUP = 500


def erase_leftovers(session: Session, ctx: Ctx, pulled: Iterable[Pulled]) -> int:
    """After a page is applied: the live rows of the erased patients the page touched
    (her tombstone, or a live row pointing at her), gone here; how many."""
    ids: dict[str, list[str]] = {}  # entity: the page's rows of it
    for p in pulled:
        ids.setdefault(p.record.entity, []).append(p.record.id)
    patients = _erased(session, set(ids.get(Patient.__tablename__, ())))
    for model in (*DELETED, *WIPED):
        table: str = model.__tablename__  # type: ignore[attr-defined]
        patients |= _owners_erased(session, model, ids.get(table, []))
    return sum(erasure.remove_rows_of(session, ctx, patient) for patient in sorted(patients))


def _erased(session: Session, ids: set[str]) -> set[str]:
    """Those of ``ids`` this PC holds as deleted patients."""
    found: set[str] = set()
    listed = sorted(ids)
    raw = driver(session)
    for at in range(0, len(listed), _LOOKUP):
        part = listed[at : at + _LOOKUP]
        sql = (
            "SELECT id FROM patient WHERE deleted_at IS NOT NULL"
            f" AND id IN ({', '.join('?' * len(part))})"
        )
        found.update(patient for (patient,) in raw.execute(sql, part))
    return found


def _owners_erased(session: Session, model: type[Synced], ids: list[str]) -> set[str]:
    """The deleted patients the live rows ``ids`` of ``model`` belong to (plain SQL on
    the driver: SQLAlchemy's rendering of a 500-id ``IN``, for every page of a
    download, took longer than SQLite's answer)."""
    table = model.__tablename__  # type: ignore[attr-defined]
    found: set[str] = set()
    raw = driver(session)
    for at in range(0, len(ids), _LOOKUP):
        part = ids[at : at + _LOOKUP]
        sql = (
            f"SELECT r.patient_id FROM {table} AS r JOIN patient AS p ON p.id = r.patient_id"
            " WHERE r.deleted_at IS NULL AND p.deleted_at IS NOT NULL"
            f" AND r.id IN ({', '.join('?' * len(part))})"
        )
        found.update(patient for (patient,) in raw.execute(sql, part))
    return found
