"""Google Calendar sync's own state: local to this PC's file, never synced themselves.

The PC that runs Google sync keeps here which calendar each provider's appointments go
to, how far it read each calendar (``syncToken``), each appointment's event (its id,
etag and the version of ours it shows), the blocked time made from a provider's own
events, what patient data went to Google (the disclosure register) and how the last
round went. None of it is in the change feed (docs/architecture.md, "Google sync").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from receptionist.models.base import Base


class GoogleCalendar(Base):
    """A provider's calendar in the connected Google account, and how far it was read."""

    __tablename__ = "google_calendar"

    provider_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    calendar_id: Mapped[str] = mapped_column(Text, unique=True)
    sync_token: Mapped[str] = mapped_column(Text, default="")  # "": a full read next
    # Set when the provider is mapped: its appointments still have to be pushed.
    full_push: Mapped[bool] = mapped_column(default=True)
    mapped_at: Mapped[datetime]


class GoogleLink(Base):
    """One appointment's event: where it is, its etag, the version of ours it shows.

    ``state``: pending (to insert, or an insert whose answer was lost), synced,
    removed (we deleted it), deleted_in_google (the provider deleted it: the desk
    decides), moved_in_google (the provider moved it: a proposed move for the desk).
    ``pushed_version`` -1 asks for a push whatever the versions say.
    """

    __tablename__ = "google_link"
    __table_args__ = (Index("ix_google_link_event", "calendar_id", "event_id"),)

    appointment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    calendar_id: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str] = mapped_column(Text, default="")
    pushed_version: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    pushed_start: Mapped[datetime | None] = mapped_column(default=None)
    pushed_end: Mapped[datetime | None] = mapped_column(default=None)
    proposed_start: Mapped[datetime | None] = mapped_column(default=None)
    proposed_end: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime]


class GoogleBlock(Base):
    """A provider's own Google event (or one instance of a recurring one) and the
    blocked time it holds on our schedule."""

    __tablename__ = "google_block"

    calendar_id: Mapped[str] = mapped_column(Text, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(1024), primary_key=True)
    block_id: Mapped[str] = mapped_column(String(36))
    etag: Mapped[str] = mapped_column(Text, default="")


class GoogleDisclosure(Base):
    """One sending of a patient's data (initials or full name) to Google: the
    disclosure register a patient may ask to see (docs/privacy.md).

    ``withdrawn_at``: when the data left Google again (the event deleted, or sent again
    with a title showing less; migration 0033). A withdrawn row of a patient erased or
    swept keeps neither her id nor her appointment's (both ""): an anonymous record
    that names went to a calendar on a date and were withdrawn on another; the sweep
    deletes it with the destruction records (``google/register.py``)."""

    __tablename__ = "google_disclosure"
    __table_args__ = (
        Index("ix_google_disclosure_patient", "patient_id", "at"),
        # each push's withdrawal finds its appointment's rows by key (migration 0033)
        Index("ix_google_disclosure_appointment", "appointment_id"),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(String(36))
    appointment_id: Mapped[str] = mapped_column(String(36))
    what: Mapped[str] = mapped_column(String(16))  # initials | full_name
    recipient: Mapped[str] = mapped_column(Text)  # "Google Calendar <calendar id>"
    at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)


class GoogleState(Base):
    """How far the change feed was read for Google, and how the last round went
    (one row, made at the first mapping)."""

    __tablename__ = "google_state"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # change_log seq read
    status: Mapped[str] = mapped_column(String(20), default="never")
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_round_at: Mapped[datetime | None] = mapped_column(default=None)
    last_counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON
