"""The change feed: what changed on this PC, in commit order, and the slots it freed.

Local to this file, never synced themselves: the feed is this PC's outbox and the
source of the events the app and the core's reactions follow. Rows are written by
triggers (migration 0012) in the same transaction as the change, whoever writes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class ChangeEntry(Base):
    """One insert, update or deletion of a synced row.

    ``seq`` only grows, and writes are serialised (BEGIN IMMEDIATE), so reading
    "after N" in ``seq`` order is reading in commit order. ``origin`` is None for a
    change made on this PC, else the id of the device it came from (sync sets it
    through ``change_origin`` while it applies another PC's rows). ``moved``, on an
    appointment's update (migration 0032): True when it moved the booking (its start)
    or cancelled it, cancelled no more, or deleted it: what a reschedule or
    cancellation message announces; False for any other change (a status, a note).
    None elsewhere (an insert, a purge, another table, an entry from before 0032): not
    said.
    """

    __tablename__ = "change_log"
    # No index beyond ``seq``: every reader seeks by it (migration 0021 dropped the one
    # on (entity, row_id), which every sweep paid for; an undo's questions about one
    # row read only the feed's newest part: ``changefeed.last_change``).
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    row_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # insert | update | delete | purge
    origin: Mapped[str | None] = mapped_column(String(36), default=None)
    at: Mapped[datetime]
    moved: Mapped[bool | None] = mapped_column(Boolean, default=None)


class ChangeOrigin(Base):
    """While a row from another PC is applied, which device it came from (one row,
    only inside that transaction)."""

    __tablename__ = "change_origin"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    device_id: Mapped[str] = mapped_column(String(36))


class FreedSlot(Base):
    """Time an appointment stopped holding: cancelled, a no-show, deleted, or moved
    away. Written by a trigger, whatever made the change, so the waitlist can be
    offered the time after a cancel from the app, the CLI or another PC alike."""

    __tablename__ = "freed_slot"
    # By patient: an erasure and the sweep forget the times that name her (0029).
    __table_args__ = (
        Index("ix_freed_slot_patient", "patient_id"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    appointment_id: Mapped[str] = mapped_column(String(36))
    patient_id: Mapped[str] = mapped_column(String(36))
    provider_id: Mapped[str] = mapped_column(String(36))
    room_id: Mapped[str | None] = mapped_column(String(36), default=None)
    service_id: Mapped[str] = mapped_column(String(36))
    start_utc: Mapped[datetime]
    end_utc: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)  # cancelled | no_show | deleted | moved
