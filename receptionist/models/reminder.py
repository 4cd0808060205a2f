"""Reminders and other messages to patients about their appointments, as this PC's
reminder station plans and sends them. Local to the file: never synced (the station
is the one PC that sends; what it sent reaches the others as communication-log
entries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, new_id

# pending -> sending -> sent | failed | unknown; pending -> skipped | withdrawn
STATES = ("pending", "sending", "sent", "failed", "skipped", "unknown", "withdrawn")


class Reminder(Base):
    """One message planned for one appointment: a reminder (``rule`` is its offset,
    "24h"), a booking confirmation, a reschedule or a cancellation message.

    (``appointment_id``, ``rule``, ``scheduled_for``) is the dedupe key: planning the
    same thing twice finds the row already there. ``reason`` is a short code (no
    patient data) saying why a message was skipped, withdrawn or failed.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        # Also the index of an appointment's messages (its first column).
        UniqueConstraint("appointment_id", "rule", "scheduled_for", name="uq_reminder_key"),
        Index("ix_reminder_due", "state", "send_at"),
        Index("ix_reminder_patient", "patient_id"),
        # The messages with a reason (skipped, failed, waiting on a stopped channel or a
        # retry): the stopped channels are found in it (``reminders/halt.py``), not by a
        # pass over the queue. Messages planned or sent have none: planning adds nothing
        # to it.
        Index(
            "ix_reminder_stopped",
            "reason",
            "state",
            "channel",
            sqlite_where=text("reason <> ''"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # No foreign keys: a retention sweep may purge an appointment before its messages.
    appointment_id: Mapped[str] = mapped_column(String(36))
    patient_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))  # reminder|confirmation|reschedule|cancellation
    rule: Mapped[str] = mapped_column(String(16))  # "24h" for a reminder, else the kind
    scheduled_for: Mapped[datetime]  # the rule's time, before quiet hours moved it
    send_at: Mapped[datetime]  # when it may go
    appointment_start: Mapped[datetime]  # the start it was planned for
    state: Mapped[str] = mapped_column(String(12), default="pending")
    channel: Mapped[str] = mapped_column(String(16), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)  # went "sending"
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    provider_id: Mapped[str] = mapped_column(String(128), default="")
    # SHA-256 of (channel, address, text) as it went "sending": what a provider's status
    # lookup matches after a crash, without keeping the text.
    digest: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(String(64), default="")
    # The address (number, e-mail) it went to, kept as it went "sending" (migration
    # 0025): a lookup after a crash asks about it, not the patient's address now, and
    # the Reminders view shows it. Patient data: gone with the row (the sweep), and
    # emptied when the patient is erased (``patients.erasure.forget_sent_to``).
    sent_to: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
