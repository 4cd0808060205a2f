"""A failed message's reason code, kept on its communication-log entry

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07

``communication_entry.reason`` ("" for an entry the desk wrote, a sent message's, and
one logged before this revision): the reason code of the message the dispatcher logged
as failed (``permanent:invalid_number``, ``late:unreachable``). The log renders the
sentence of a failed message from it (``reminders/reasons.py``), not by matching the
English summary; an entry without one keeps that matching. Synced (sealed, with the
rest of the entry), so the entry's change-feed triggers are re-created with the column:
a record from a PC before 0036 lacks it and is completed with "" (``replica/records.py``'s
``ADDED``). Blanked with the summary when the patient is erased.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

# Frozen copy: the entry's synced columns (beyond id, created_at, updated_at, version,
# deleted_at) before and after this revision.
BEFORE = (
    "patient_id", "occurred_at", "channel", "direction", "summary", "recorded_by",
    "appointment_id", "appointment_start",
)  # fmt: skip
AFTER = (*BEFORE, "reason")


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the entry's other triggers stay as they are.
    op.add_column(
        "communication_entry",
        sa.Column("reason", sa.String(64), nullable=False, server_default=""),
    )
    feed.install("communication_entry", AFTER)


def downgrade() -> None:
    feed.install("communication_entry", BEFORE)  # first: the triggers name the columns
    op.execute("ALTER TABLE communication_entry DROP COLUMN reason")
