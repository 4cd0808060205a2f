"""Staff accounts, this device, and the hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, Synced


class StaffUser(Synced, Base):
    __tablename__ = "staff_user"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # admin | manager | receptionist | provider
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Device(Base):
    """This installation. Never synced: each PC has its own row.

    ``code`` is unique per clinic (handed out at set-up or when a PC joins), and
    patient numbers are "<code>-<counter>", so two PCs offline never hand out the
    same number.
    """

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(4))
    patient_counter: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]


class AuditEvent(Base):
    """Who did what to which entity, when. No patient data: ids and kinds only.

    ``hash`` = SHA-256 over the previous event's hash and this event's fields, so an
    edited, inserted or deleted event breaks the chain.
    """

    __tablename__ = "audit_event"
    # By kind and action: the questions asked of the log at every status read
    # (``journal.notary.key_changed``) and by its checks, answered without a scan (0029).
    __table_args__ = (Index("ix_audit_event_kind", "entity_type", "action"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor_id: Mapped[str | None] = mapped_column(String(36))
    source: Mapped[str] = mapped_column(String(16))  # cli | ui | sync | scheduler
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(36))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The newest audit event's number and hash, kept apart from the log by a trigger
    (migration 0010), so events deleted from the end of the log are found too."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
