"""Retention's own rows: the destruction records and the holds. Local to this file.

``destruction_record`` is the record KVKK's erasure regulation asks for: what kind of
data a sweep destroyed, how much, when, under which policy; never which patient.
``retention_hold`` stops the sweep for a patient (a legal or medical hold).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


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


class RetentionHold(Base):
    """A legal or medical hold: the sweep leaves this patient's data alone."""

    __tablename__ = "retention_hold"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime]
    placed_by: Mapped[str | None] = mapped_column(String(36), default=None)
