"""The clinic, its providers, rooms, services and blocked time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, Synced

# Weekly hours: {"mon": [["08:30", "12:30"], ["13:30", "18:00"]], ..., "sun": []}
WeeklyHours = dict[str, list[list[str]]]


class Clinic(Synced, Base):
    """The clinic's identity. Its name, zone, hours and the rest are clinic settings
    (``clinic_setting``, one row per key; migration 0011 moved them there)."""

    __tablename__ = "clinic"


class Provider(Synced, Base):
    __tablename__ = "provider"

    name: Mapped[str] = mapped_column(String(200))
    colour: Mapped[str] = mapped_column(String(9), default="#4a90d9")
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Room(Synced, Base):
    __tablename__ = "room"

    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Synced, Base):
    __tablename__ = "service"

    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200), default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    price_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(3), default="TRY")
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    colour: Mapped[str] = mapped_column(String(9), default="#7fb77e")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BlockedTime(Synced, Base):
    """Time nobody may book: a provider's time off, a room's maintenance, a holiday.

    With neither provider nor room it blocks the whole clinic.
    """

    __tablename__ = "blocked_time"
    __table_args__ = (
        Index("ix_blocked_time_start_end", "start_utc", "end_utc"),
        Index("ix_blocked_time_end", "end_utc"),
    )

    provider_id: Mapped[str | None] = mapped_column(ForeignKey("provider.id"), default=None)
    room_id: Mapped[str | None] = mapped_column(ForeignKey("room.id"), default=None)
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16), default="blocked")  # blocked | time_off
    reason: Mapped[str] = mapped_column(Text, default="")
