"""Appointments and recurring series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, Synced

# What a schedule card needs, in the order of the covering window index (which holds
# live rows only: its WHERE is WINDOW_LIVE).
WINDOW_COLUMNS = ("start_utc", "end_utc", "card_kind", "id", "patient_label")
WINDOW_LIVE = "deleted_at IS NULL"


class Appointment(Synced, Base):
    __tablename__ = "appointment"
    __table_args__ = (
        # Two local copies the schedule reads, kept by triggers whatever writes the
        # rows (migrations 0005 and 0008), so a week needs no look-up into 200,000
        # patients and its index entries stay short: the patient's name as the card
        # shows it, and the card's kind (see CardKind). Never set them in code, never
        # sync them. They are columns of the table but not of the mapper
        # (exclude_properties): the ORM never reads, fetches (RETURNING) or writes
        # them, so no stale in-memory value can be written back.
        Column("patient_label", Text, nullable=False, server_default=""),
        Column("card_kind", Integer, nullable=False, server_default="0"),
        # The schedule's window query reads only this index (see cards._WINDOW_SQL):
        # a week is one range scan with no look-ups into the table or the patients.
        Index("ix_appointment_window", *WINDOW_COLUMNS, sqlite_where=text(WINDOW_LIVE)),
        Index("ix_appointment_provider_start", "provider_id", "start_utc"),
        Index("ix_appointment_room_start", "room_id", "start_utc"),
        Index("ix_appointment_patient_start", "patient_id", "start_utc"),
        Index(
            "ix_appointment_series",
            "series_id",
            sqlite_where=text("series_id IS NOT NULL"),
        ),
    )

    # A plain dict, as declarative reads it (mypy refuses a ClassVar over its own).
    __mapper_args__ = {"exclude_properties": ("patient_label", "card_kind")}  # noqa: RUF012

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


class CardKind(Base):
    """A local number for one (provider, room, service, status) a card can have.

    A week's thousands of cards share a few hundred of these, so the window index
    holds the number instead of three 36-character ids and a status: half the bytes,
    half the pages to decrypt on a first look. Rows are added by the appointment
    triggers (migration 0008) and never changed or deleted, so a number means the
    same kind for the life of the file. Local to this file: never synced. ``room_id``
    is "" for no room (NULLs would not be unique).
    """

    __tablename__ = "card_kind"
    __table_args__ = (
        UniqueConstraint("provider_id", "room_id", "service_id", "status", name="uq_card_kind"),
    )

    no: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[str] = mapped_column(Text)
    room_id: Mapped[str] = mapped_column(Text)
    service_id: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text)
