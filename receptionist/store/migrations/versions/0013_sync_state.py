"""This PC's sync state: where it syncs, its clinic keys, its bases, its pending batch

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06

Local to the file, never synced themselves (docs/sync-protocol.md): ``sync_state``
(the endpoint, this device, how far pushes and pulls got), ``sync_key`` (each
generation of the clinic key; the file is encrypted, so is the key), ``sync_base``
(each row as the endpoint last had it: the base of a three-way merge),
``sync_pending`` (a batch given its device sequence numbers, resent as it is until
answered) and ``sync_conflict`` (the endpoint's conflicts as this PC knows them).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("server_url", sa.Text(), nullable=False),
        sa.Column("clinic_id", sa.String(length=64), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("device_code", sa.String(length=4), nullable=False),
        sa.Column("device_name", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.LargeBinary(), nullable=False),
        sa.Column("pushed_change", sa.Integer(), nullable=False),
        sa.Column("next_device_seq", sa.Integer(), nullable=False),
        sa.Column("pull_cursor", sa.Integer(), nullable=False),
        sa.Column("upload_table", sa.String(length=32), nullable=False),
        sa.Column("upload_after", sa.String(length=36), nullable=False),
        sa.Column("last_sync_at", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_sync_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.create_table(
        "sync_key",
        sa.Column("generation", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("generation", name=op.f("pk_sync_key")),
    )
    op.create_table(
        "sync_base",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("entity", "row_id", name=op.f("pk_sync_base")),
    )
    op.create_table(
        "sync_pending",
        sa.Column("device_seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_seq", name=op.f("pk_sync_pending")),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("records", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("resolved_at", sa.BigInteger(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )


def downgrade() -> None:
    for table in ("sync_conflict", "sync_pending", "sync_base", "sync_key", "sync_state"):
        op.drop_table(table)
