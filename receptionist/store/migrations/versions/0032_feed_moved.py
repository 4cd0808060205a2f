"""The change feed says whether an appointment's change moved or cancelled it

Revision ID: 0032
Revises: 0030
Create Date: 2026-12-07

``change_log.moved`` (models/changes.py): on the entry of an appointment's update,
whether it moved the booking (its start), cancelled it, undid a cancellation or
deleted it (1), or changed something else (0: a status, a note); NULL on every other
entry and on those from before this revision (not said: counted as a move, as
before). A reminder station taking over from another (``reminders/handover.py``)
asks whether a change of its own made after what it had pushed at the cutoff is the
news a reschedule or cancellation message announces; a stand-by that heard the old
holder's move and then only confirmed the booking sent the old holder's reschedule
message a second time (#14). The appointment's change-feed triggers are re-created
with it; local to the file, the feed is never synced itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

# Frozen copies: the appointment's synced columns (beyond id, created_at, updated_at,
# version, deleted_at) and what a move is.
COLUMNS = (
    "patient_id", "provider_id", "service_id", "room_id", "start_utc", "end_utc",
    "status", "notes", "booked_by", "cancellation_reason", "series_id", "override_by",
    "override_reason", "arrived_at",
)  # fmt: skip
MOVED = (
    "NEW.start_utc IS NOT OLD.start_utc OR NEW.deleted_at IS NOT OLD.deleted_at"
    " OR (NEW.status = 'cancelled') IS NOT (OLD.status = 'cancelled')"
)


def upgrade() -> None:
    op.add_column("change_log", sa.Column("moved", sa.Boolean(), nullable=True))
    feed.install("appointment", COLUMNS, moved=MOVED)


def downgrade() -> None:
    feed.install("appointment", COLUMNS)  # first: the trigger names the column
    op.execute("ALTER TABLE change_log DROP COLUMN moved")
