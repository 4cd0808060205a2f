"""The audit log's head is kept apart from the log: deleting its last events shows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

Each audit event's hash covers the one before it, so an edited event, or one deleted
from the middle, breaks the chain. Events deleted from the end left a shorter chain
that still verified. ``audit_head`` holds the sequence number and hash of the newest
event, written by a trigger in the same transaction as the event whoever writes it,
so ``audit verify`` can tell that the log stops short. Someone who can write the
file and means it can rewrite the head too; an anchor outside the PC (the cloud)
comes with sync.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Frozen copy of the definition as of this revision.
HEAD_TRIGGER = """
CREATE TRIGGER tr_audit_head AFTER INSERT ON audit_event
BEGIN
    INSERT INTO audit_head (id, seq, hash) VALUES (1, NEW.seq, NEW.hash)
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash;
END
"""


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute(
        "INSERT INTO audit_head (id, seq, hash)"
        " SELECT 1, seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1"
    )
    op.execute(HEAD_TRIGGER)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_audit_head")
    op.drop_table("audit_head")
