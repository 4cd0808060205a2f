"""Conflicts resolved on this PC and not yet sent get their own column

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

A conflict resolved here was kept as ``resolution = "send:<code>"`` until the sync
round sent it: a state hidden in a string. ``sync_conflict.unsent`` now says it
("resolved here, the endpoint has not taken it yet"), and ``resolution`` holds the
bare code. ``sync_conflict`` is local to the file (no change-feed triggers).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

PREFIX = "send:"  # the old convention, frozen here


def upgrade() -> None:
    with op.batch_alter_table("sync_conflict") as batch_op:
        batch_op.add_column(
            sa.Column("unsent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        f"UPDATE sync_conflict SET unsent = 1, resolution = substr(resolution, {len(PREFIX) + 1})"
        f" WHERE resolution LIKE '{PREFIX}%'"
    )


def downgrade() -> None:
    op.execute(f"UPDATE sync_conflict SET resolution = '{PREFIX}' || resolution WHERE unsent = 1")
    with op.batch_alter_table("sync_conflict") as batch_op:
        batch_op.drop_column("unsent")
