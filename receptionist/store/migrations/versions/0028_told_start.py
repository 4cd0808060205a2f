"""The start a reminder message named, kept on its communication-log entry

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07

``communication_entry.appointment_start`` (NULL for an entry the desk wrote): the
appointment's start as the reminder, confirmation, reschedule or cancellation message
logged in the entry named it. It syncs with the entry (sealed, appointment data like
the rest of it), so every PC knows the start the patient was last told, whichever PC
told them: a stand-by that heard of a booking and its move in one sync round plans
the reschedule message from it (``reminders/plan.py``), and one the station sent is
not planned again. The entry's change-feed triggers are re-created with the column.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

# Frozen copy: the entry's synced columns (beyond id, created_at, updated_at, version,
# deleted_at) before and after this revision.
BEFORE = (
    "patient_id", "occurred_at", "channel", "direction", "summary", "recorded_by",
    "appointment_id",
)  # fmt: skip
AFTER = (*BEFORE, "appointment_start")


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the entry's other triggers stay as they are.
    op.add_column(
        "communication_entry", sa.Column("appointment_start", sa.BigInteger(), nullable=True)
    )
    feed.install("communication_entry", AFTER)


def downgrade() -> None:
    feed.install("communication_entry", BEFORE)  # first: the triggers name the columns
    op.execute("ALTER TABLE communication_entry DROP COLUMN appointment_start")
