"""Whether a chunk's record is held (``chunk.claimed``), and the bounds on unclaimed
chunks read through partial indexes over the unclaimed ones only: storing a chunk
scanned the clinic's chunks (claimed ones too) to find the stale and the old
unclaimed ones (issue #14; docs/sync-protocol.md, "Large documents")

Revision ID: s0008
Revises: s0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0008"
down_revision = "s0007"
branch_labels = None
depends_on = None

BEFORE = ["clinic_id", "device_id", "created_at", "entity", "row_id", "version", "size"]
BY_DEVICE = [*BEFORE, "claimed"]
BY_AGE = ["clinic_id", "created_at", "entity", "row_id", "version", "idx", "claimed"]
CLAIMED = """
UPDATE chunk SET claimed = EXISTS (
    SELECT 1 FROM record
    WHERE record.clinic_id = chunk.clinic_id AND record.entity = chunk.entity
      AND record.id = chunk.row_id AND record.version = chunk.version
      AND record.deleted = {false}
)
"""


def upgrade() -> None:
    op.add_column(
        "chunk", sa.Column("claimed", sa.Boolean, nullable=False, server_default=sa.false())
    )
    false = "0" if op.get_bind().dialect.name == "sqlite" else "false"
    op.execute(CLAIMED.format(false=false))
    op.drop_index("ix_chunk_device", "chunk")
    for name, columns in (("ix_chunk_device", BY_DEVICE), ("ix_chunk_unclaimed", BY_AGE)):
        op.create_index(name, "chunk", columns, sqlite_where=sa.text("claimed = 0"),
                        postgresql_where=sa.text("NOT claimed"))  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_chunk_unclaimed", "chunk")
    op.drop_index("ix_chunk_device", "chunk")
    op.create_index("ix_chunk_device", "chunk", BEFORE)
    op.drop_column("chunk", "claimed")
