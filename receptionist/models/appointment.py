"""Appointments and recurring series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced


class Appointment(Synced, Base):
    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_start", "start_utc"),
        Index("ix_appointment_provider_start", "provider_id", "start_utc"),
        Index("ix_appointment_room_start", "room_id", "start_utc"),
        Index("ix_appointment_patient_start", "patient_id", "start_utc"),
        Index(
            "ix_appointment_series",
            "series_id",
            sqlite_where=text("series_id IS NOT NULL"),
        ),
    )

    patient_id: Mapped[str] = mapped_column(ForeignKey("patient.id"))
    provider_id: Mapped[str] = mapped_column(ForeignKey("provider.id"))
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id"))
    room_id: Mapped[str | None] = mapped_column(ForeignKey("room.id"), default=None)
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    # booked | confirmed | arrived | in_room | completed | cancelled | no_show
    status: Mapped[str] = mapped_column(String(16), default="booked")
    notes: Mapped[str] = mapped_column(Text, default="")
    booked_by: Mapped[str | None] = mapped_column(String(36), default=None)
    cancellation_reason: Mapped[str] = mapped_column(Text, default="")
    series_id: Mapped[str | None] = mapped_column(String(36), default=None)
    # Set when a user whose role allows it booked over a conflict.
    override_by: Mapped[str | None] = mapped_column(String(36), default=None)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    arrived_at: Mapped[datetime | None] = mapped_column(default=None)
