"""Destruction records: what the endpoint's housekeeping removed (expired invitations'
wrapped keys, spent codes, revoked devices' token hashes, chunks, purged tombstones),
per clinic, UTC day, kind and rule, kept at least three years (issue #14;
docs/privacy.md; ``sync/server/destroyed.py``)

Revision ID: s0007
Revises: s0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0007"
down_revision = "s0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "destruction",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("clinic_id", sa.String(36), nullable=False),
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("clinic_id", "day", "kind", "rule", name="uq_destruction_run"),
    )
    op.create_index("ix_destruction_day", "destruction", ["day"])


def downgrade() -> None:
    op.drop_index("ix_destruction_day", "destruction")
    op.drop_table("destruction")
