"""Where the audit log now begins, once the retention sweep removed its oldest events.

Local to this file, like the log. Each row stands for the events up to ``seq`` that
one sweep removed: event ``seq``'s hash (the ``prev_hash`` of the first event left,
so the chain from here on verifies as before), its time, how many events went, and
the anchor, kept outside the file, that vouched for the log up to at least ``seq``
when they went (``journal/checkpoint.py``; docs/privacy.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
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
