"""The providers' delivery log: each answer an SMS, WhatsApp or e-mail provider gave
about a message (a send, a status lookup after a crash). Local to the file, never
synced; no message text and no address: the reminder's id, the channel, what was
asked, the outcome, the provider's id and error code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base, new_id


class DeliveryLog(Base):
    """One provider answer. ``action`` is "send" or "lookup"; ``status`` is the
    outcome (sent, transient, permanent, unknown) or "none" (a lookup the provider
    could not answer); ``code`` the provider's error code as dispatch names it
    (``invalid_number``, ``meta_132001``); ``http_status`` the HTTP (or SMTP) status
    when there was one."""

    __tablename__ = "delivery_log"
    __table_args__ = (
        Index("ix_delivery_log_at", "at"),
        Index("ix_delivery_log_reminder", "reminder_id", "at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    reminder_id: Mapped[str] = mapped_column(String(36))
    channel: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12))
    provider_id: Mapped[str] = mapped_column(String(128), default="")
    code: Mapped[str] = mapped_column(String(64), default="")
    http_status: Mapped[int | None] = mapped_column(Integer, default=None)
