"""When a device's last push was applied (``device.applied_at``): the answer to a push
whose changes were all applied before (a retry after a lost answer) says when, so a
stand-by PC knows whether the holder of the reminders lease could have seen them
(issue #14; docs/sync-protocol.md, "Push")

Revision ID: s0009
Revises: s0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0009"
down_revision = "s0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("device", sa.Column("applied_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    op.drop_column("device", "applied_at")
