"""Large documents travel in sealed chunks beside their record (docs/sync-protocol.md,
"Large documents")

Revision ID: s0004
Revises: s0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "chunk",
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), primary_key=True),
        sa.Column("entity", sa.String(32), primary_key=True),
        sa.Column("row_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("key_gen", sa.Integer, nullable=False),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chunk")
