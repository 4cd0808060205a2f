"""Leases: the one device of a clinic that sends its reminders (docs/sync-protocol.md,
"Leases")

Revision ID: s0003
Revises: s0002
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lease",
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), primary_key=True),
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("device_id", sa.String(36), sa.ForeignKey("device.id"), nullable=False),
        sa.Column("preferred", sa.Boolean, nullable=False),
        sa.Column("acquired_at", TIME, nullable=False),
        sa.Column("renewed_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("handover_at", TIME, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("lease")
