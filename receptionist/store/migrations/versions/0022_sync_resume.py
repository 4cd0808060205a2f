"""A download cut short resumes; a row deleted outright keeps its routing fields;
large documents go in chunks

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07

A full download (after "reset required") kept the rows it had brought in memory, to
sweep at its end what did not come; cut short, it started again from cursor 0, and
a PC killed meanwhile never swept at all. ``sync_state.full_download`` and
``sync_seen`` keep that state with each page, and ``sync_held`` the pulled records
waiting for a row a later page brings, so the cursor moves with every page and a
download resumes after the last one applied (docs/sync-protocol.md, "Pull").
``sync_state.pull_horizon`` keeps the endpoint's horizon as the last page read it,
sent with the next pull: a download from cursor 0 pages on below a horizon older
than itself (the endpoint refused every page after the first).

An appointment deleted outright on this PC (a retention sweep) was pushed as a
tombstone with no clear routing fields, which the endpoint refuses for an
appointment. A trigger keeps its routing columns in ``sync_gone`` as the row goes
(not while sync applies another PC's purge), and its tombstone carries them.

A document over 4 MB travels in sealed chunks beside its record (docs/sync-protocol.md,
"Large documents"): ``sync_chunk`` keeps them, sealed, with the pending batch.

These tables are local to the file: no change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# Frozen: the appointment's routing columns as of this revision (as stored).
GONE_TRIGGER = (
    "CREATE TRIGGER tr_sync_gone_appointment AFTER DELETE ON appointment"
    " WHEN (SELECT device_id FROM change_origin WHERE id = 1) IS NULL"
    " AND EXISTS (SELECT 1 FROM sync_state WHERE id = 1) BEGIN"
    " INSERT OR REPLACE INTO sync_gone (entity, row_id, clear) VALUES ('appointment', OLD.id,"
    " json_object('provider_id', OLD.provider_id, 'room_id', OLD.room_id,"
    " 'service_id', OLD.service_id, 'start_utc', OLD.start_utc, 'end_utc', OLD.end_utc,"
    " 'status', OLD.status, 'override_reason', OLD.override_reason)); END"
)


def upgrade() -> None:
    with op.batch_alter_table("sync_state") as batch_op:
        batch_op.add_column(
            sa.Column("full_download", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("pull_horizon", sa.Integer(), nullable=False, server_default="0")
        )
    op.create_table(
        "sync_seen",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("entity", "row_id", name=op.f("pk_sync_seen")),
    )
    op.create_table(
        "sync_held",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "row_id", name=op.f("pk_sync_held")),
    )
    op.create_table(
        "sync_gone",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("clear", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "row_id", name=op.f("pk_sync_gone")),
    )
    op.execute(GONE_TRIGGER)
    op.create_table(
        "sync_chunk",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("idx", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("key_gen", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "row_id", "version", "idx", name=op.f("pk_sync_chunk")),
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_sync_gone_appointment")
    for table in ("sync_chunk", "sync_gone", "sync_held", "sync_seen"):
        op.drop_table(table)
    with op.batch_alter_table("sync_state") as batch_op:
        batch_op.drop_column("pull_horizon")
        batch_op.drop_column("full_download")
