"""Each device's audit-log anchors (docs/sync-protocol.md, "Audit anchors")

Revision ID: s0002
Revises: s0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("device_id", sa.String(36), sa.ForeignKey("device.id"), nullable=False),
        sa.Column("log_id", sa.String(64), nullable=False),
        sa.Column("events", sa.BigInteger, nullable=False),
        sa.Column("head_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("taken_at", TIME, nullable=False),
        sa.Column("received_at", TIME, nullable=False),
        sa.Column("accepted_break", sa.Boolean, nullable=False),
    )
    op.create_index("ix_audit_anchor_device_id", "audit_anchor", ["device_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_anchor_device_id", table_name="audit_anchor")
    op.drop_table("audit_anchor")
