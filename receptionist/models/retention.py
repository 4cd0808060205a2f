"""Retention's own rows: the destruction records (local) and the holds (synced).

``destruction_record`` is the record KVKK's erasure regulation asks for: what kind of
data a sweep destroyed, how much, when, under which policy; never which patient.
Local to this file: each PC records what its own sweeps destroyed.
``patient_hold`` stops the sweep for a patient (a legal or medical hold). It is a
synced row (migration 0020), so a hold placed on one PC keeps the patient on every
PC that sweeps; lifting it tombstones the row, so the lifting travels too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, Integer, String, Text, exists
from sqlalchemy.orm import Mapped, QueryableAttribute, mapped_column

from receptionist.models.base import Base, Synced


class DestructionRecord(Base):
    """One kind of data one sweep destroyed: how many, when, under which policy."""

    __tablename__ = "destruction_record"
    __table_args__ = (
        Index("ix_destruction_record_at", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sweep_id: Mapped[str] = mapped_column(String(36))  # the audit event's entity id
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    policy: Mapped[str] = mapped_column(Text)  # the setting and its value, e.g. "...=24"


class RetentionHold(Synced, Base):
    """A legal or medical hold: the sweep leaves this patient's data alone. A live
    hold (``deleted_at`` NULL) holds; a lifted one is a tombstone, purged with the
    patient's record when the patient's time comes."""

    __tablename__ = "patient_hold"
    __table_args__ = (Index("ix_patient_hold_patient", "patient_id"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"))
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime]
    placed_by: Mapped[str | None] = mapped_column(String(36), default=None)


def held(patient_id: QueryableAttribute[str] | ColumnElement[str]) -> ColumnElement[bool]:
    """Whether the patient in ``patient_id`` is on hold now: a lifted hold is a row kept
    with ``deleted_at`` set and holds nothing (the SQL sweep says the same in
    ``retention.sweep.NOT_HELD``)."""
    return (
        exists()
        .where(RetentionHold.patient_id == patient_id)
        .where(RetentionHold.deleted_at.is_(None))
    )
