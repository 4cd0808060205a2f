"""A chunk's size, and an index over a device's chunks by age: the bounds on chunks no
record claims (docs/sync-protocol.md, "Large documents") are checked without reading
any chunk's sealed text (on SQLite, a column after it costs a walk through all of it)

Revision ID: s0006
Revises: s0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None

COLUMNS = ["clinic_id", "device_id", "created_at", "entity", "row_id", "version", "size"]


def upgrade() -> None:
    op.add_column("chunk", sa.Column("size", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE chunk SET size = length(sealed)")
    op.create_index("ix_chunk_device", "chunk", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_chunk_device", "chunk")
    op.drop_column("chunk", "size")
