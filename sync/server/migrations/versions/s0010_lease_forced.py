"""A person's "take over now" of a lease (issue #14; docs/sync-protocol.md, "Leases"):
who forced the lease away from which device, and when

Revision ID: s0010
Revises: s0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0010"
down_revision = "s0009"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("lease", sa.Column("forced_at", TIME, nullable=True))
    op.add_column("lease", sa.Column("forced_by", sa.String(120), nullable=True))
    op.add_column("lease", sa.Column("forced_from", sa.String(36), nullable=True))


def downgrade() -> None:
    op.drop_column("lease", "forced_from")
    op.drop_column("lease", "forced_by")
    op.drop_column("lease", "forced_at")
