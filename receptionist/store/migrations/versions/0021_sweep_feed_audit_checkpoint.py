"""The change feed loses an index no query reads; the audit log's checkpoints

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

``ix_change_log_row`` (``change_log (entity, row_id)``, 0012) was written with every
change and read by no query: every reader of the feed pages by ``seq`` (the outbox,
Google's queue, the reminder planner, the app's follower). Its entries are random
(a row's UUID), so each deletion by the retention sweep wrote one more random page:
a third of the pages a sweep of a five-year clinic wrote. Dropping it leaves the feed
an append-only table.

``audit_checkpoint`` (local, no change-feed triggers: the audit log is not synced)
lets the retention sweep remove audit events older than ``retention.audit_years``:
each row says where the log now begins (the last removed event's number, hash and
time), how many events went, and the anchor held outside the file that vouched for
the log up to there (``journal/checkpoint.py``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_change_log_row", table_name="change_log")
    op.create_table(
        "audit_checkpoint",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.BigInteger(), nullable=False),
        sa.Column("sweep_id", sa.String(length=36), nullable=False),
        sa.Column("anchor_seq", sa.Integer(), nullable=False),
        sa.Column("anchor_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_checkpoint")),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoint")
    op.create_index("ix_change_log_row", "change_log", ["entity", "row_id"])
