"""The providers' delivery log: every answer about a reminder's message

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06

``delivery_log`` is local to the file (no change-feed triggers): one row per provider
answer (a send, a status lookup), with no message text and no address; the sweep
removes rows older than ``retention.delivery_log_months`` (6).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_log",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reminder_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_log")),
    )
    op.create_index("ix_delivery_log_at", "delivery_log", ["at"])
    op.create_index("ix_delivery_log_reminder", "delivery_log", ["reminder_id", "at"])


def downgrade() -> None:
    op.drop_table("delivery_log")
