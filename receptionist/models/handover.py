"""What a reminder station takes over from: local to this file, never synced.

A PC that starts sending a clinic's messages where another sender left off (the
endpoint's ``reminders`` lease moved here, or this PC's file was restored from a
backup: it takes over from itself as it was before) leaves alone what the other may
have sent. ``reminder_handover`` keeps, per way of taking over, the time up to which
the other answered for the messages (``cutoff``) and the change feed's sequence from
which a booking reached this PC too late for the other to have seen it (``mark``),
and how far this PC had pushed its own changes at the cutoff (``pushed``), so they
outlive a restart. No patient data: times and a sequence number.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class ReminderHandover(Base):
    """``kind``: "lease" (taken from another PC) or "restore" (from a backup), its
    ``cutoff`` on this PC's clock (a lease's moved there from the endpoint's time:
    ``handover.note``, which keeps the endpoint's as ``endpoint_cutoff``); and "watch",
    not a handover: a stand-by's view of the holder (``handover.watch``: the holder's
    last renewal in the endpoint's time as ``cutoff``, this PC's time when it first
    heard of it as ``updated_at``)."""

    __tablename__ = "reminder_handover"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    cutoff: Mapped[datetime]
    # change_log seq: an appointment inserted here after it reached this PC after a
    # sync that began after ``cutoff`` (None: no such sync yet).
    mark: Mapped[int | None] = mapped_column(Integer, default=None)
    # change_log seq: how far the endpoint had accepted this PC's changes
    # (``SyncState.accepted_change``, 0031) when it first heard the holder's renewal
    # (``cutoff``): a change made here after it was pushed after that renewal, never
    # seen by the holder (None: not known). 0030.
    pushed: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_at: Mapped[datetime]
    # A ``lease``'s cutoff as the endpoint said it, in its time: whether a later round's
    # cutoff is this handover and what was due by it are read from it, so a correction
    # of this PC's clock moves neither. A ``restore``'s, put in the round's time by the
    # first round that reads it (``handover.current``). None: a restore not read by a
    # round yet, the ``watch`` row, a row from before 0037 (``cutoff`` moved by the
    # round's skew). 0037.
    endpoint_cutoff: Mapped[datetime | None] = mapped_column(default=None)
    # A ``lease`` a person forced from its holder (``cutoff``: the force): that holder's
    # last renewal before it, a minute after, in the endpoint's time (``handover.note``):
    # the renewal whose ``watch`` row the handover took, so a push's resend answered
    # after the takeover moves its ``pushed`` too (``handover.applied_before``). None:
    # not forced, not known, a ``restore``, the ``watch`` row. 0039.
    doubted: Mapped[datetime | None] = mapped_column(default=None)


class ReminderHandoverLate(Base):
    """An appointment whose change (``inserted``: its booking itself) reached this PC
    after a handover's mark, or was made here after its ``pushed``, so the previous
    sender never saw it, and that no plan had looked at yet (beyond the planning
    horizon) when the mark moved past it (``handover.advance``): still this PC's news
    to send once it is planned. Until the appointment starts or goes, or the handover
    of ``kind`` is replaced. No patient data: an id. 0031."""

    __tablename__ = "reminder_handover_late"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    appointment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    inserted: Mapped[bool] = mapped_column(Boolean)
