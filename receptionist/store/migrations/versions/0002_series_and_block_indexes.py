"""Indexes for recurring series and for blocked-time look-ups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

``series_appointments`` scanned the whole appointment table, and the blocked-time
query scanned every past block; both now use an index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_appointment_series",
        "appointment",
        ["series_id"],
        unique=False,
        sqlite_where=sa.text("series_id IS NOT NULL"),
    )
    op.create_index("ix_blocked_time_end", "blocked_time", ["end_utc"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_blocked_time_end", table_name="blocked_time")
    op.drop_index("ix_appointment_series", table_name="appointment")
