"""The change feed loses an index no query reads

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07

``ix_change_log_row`` (``change_log (entity, row_id)``, 0012) was written with every
change and read by no query: every reader of the feed pages by ``seq`` (the outbox,
Google's queue, the reminder planner, the app's follower). Its entries are random
(a row's UUID), so each deletion by the retention sweep wrote one more random page:
a third of the pages a sweep of a five-year clinic wrote. Dropping it leaves the feed
an append-only table.
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_change_log_row", table_name="change_log")


def downgrade() -> None:
    op.create_index("ix_change_log_row", "change_log", ["entity", "row_id"])
