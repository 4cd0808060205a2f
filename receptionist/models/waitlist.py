"""The waitlist (ASAP list): patients who want an earlier slot than the one they have."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, Synced


class WaitlistEntry(Synced, Base):
    """One wish: this patient, this service, (this provider), as soon as a slot frees.

    ``times_of_day`` is a list of "morning" / "afternoon" / "evening" and ``weekdays``
    a list of "mon".."sun"; an empty list means "any".
    """

    __tablename__ = "waitlist_entry"
    __table_args__ = (
        Index("ix_waitlist_entry_status", "status", "priority"),
        Index("ix_waitlist_entry_patient", "patient_id"),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"))
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("provider.id"), default=None)
    earliest_date: Mapped[date | None] = mapped_column(Date, default=None)
    latest_date: Mapped[date | None] = mapped_column(Date, default=None)
    times_of_day: Mapped[list[Any]] = mapped_column(JSON, default=list)
    weekdays: Mapped[list[Any]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 normal, 1 soon, 2 urgent
    created_by: Mapped[str | None] = mapped_column(String(36), default=None)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|booked|removed
