"""Where the audit log now begins, once the retention sweep removed its oldest events.

Local to this file, like the log. Each row stands for the events up to ``seq`` that
one sweep removed: event ``seq``'s hash (the ``prev_hash`` of the first event left,
so the chain from here on verifies as before), its time, how many events went, and
the anchor, kept outside the file, that vouched for the log up to at least ``seq``
when they went (``journal/checkpoint.py``; docs/privacy.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class AuditCheckpoint(Base):
    """Events ``..seq`` of the audit log were removed; event ``seq`` had ``hash``."""

    __tablename__ = "audit_checkpoint"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]  # event ``seq``'s time: rows made by then may have lost theirs
    removed: Mapped[int] = mapped_column(Integer)  # events this step removed
    made_at: Mapped[datetime]
    sweep_id: Mapped[str] = mapped_column(String(36))  # its "prune" event's entity id
    anchor_seq: Mapped[int] = mapped_column(Integer)  # the anchor that vouched for it
    anchor_hash: Mapped[str] = mapped_column(String(64))
    # In a clinic that syncs: the cloud endpoint's Ed25519 signature over the
    # checkpoint and its anchor, and the endpoint's public key (base64) that made it
    # (``journal/notary.py``; migration 0023). None: not signed.
    signature: Mapped[str | None] = mapped_column(Text, default=None)
    signed_by: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditNotary(Base):
    """The cloud endpoint's public key this PC pinned (trust on first use), and the
    audit event that recorded the pinning: a checkpoint whose anchor is after that
    event must carry the endpoint's signature (``journal/notary.py``). Local to the
    file, never synced, kept past a disconnect."""

    __tablename__ = "audit_notary"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    public_key: Mapped[str] = mapped_column(String(64))  # Ed25519, base64
    pinned_at: Mapped[datetime]
    pinned_seq: Mapped[int] = mapped_column(Integer)  # the "pin" audit event
