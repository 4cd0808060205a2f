"""The stopped channels found by an index, not by a pass over the queue

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-08

``ix_reminder_stopped`` (``reminder``: reason, state, channel; only rows with a reason).
A dispatch round asks which channels are stopped (a message waiting on one for its
credentials, ``reminders/halt.py``) once at its start, and each due message asks for its
own channel: without an index each question passed over the whole queue (some 15 ms at
16,000 queued messages, so 3 s for a round of 200 due at 08:00). Planned and sent
messages have no reason: the index holds the few skipped, failed, retried or waiting
ones. Local to the file: no change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_reminder_stopped",
        "reminder",
        ["reason", "state", "channel"],
        sqlite_where=sa.text("reason <> ''"),
    )


def downgrade() -> None:
    op.drop_index("ix_reminder_stopped", table_name="reminder")
