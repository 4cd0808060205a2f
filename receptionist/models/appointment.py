"""Appointments and recurring series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Synced

# What a schedule card needs, in the order of the covering window index.
WINDOW_COLUMNS = (
    "start_utc",
    "end_utc",
    "deleted_at",
    "status",
    "provider_id",
    "room_id",
    "service_id",
    "patient_id",
    "id",
    "patient_label",
)


class Appointment(Synced, Base):
    __tablename__ = "appointment"
    __table_args__ = (
        # The schedule's window query reads only this index (see agenda._WINDOW_SQL):
        # a week is one range scan with no look-ups into the table or the patients.
        Index("ix_appointment_window", *WINDOW_COLUMNS),
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
    # The patient's name as the schedule card shows it: a local copy kept true by
    # triggers (migration 0005) whatever writes the rows, so a week of the schedule
    # needs no look-up into 200,000 patients. Never set it in code; never sync it.
    patient_label: Mapped[str] = mapped_column(Text, default="", server_default="")
