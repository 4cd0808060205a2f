"""Google Calendar sync's state: calendars, event links, blocks, disclosures, the round

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

Local to the file, never synced themselves (no change-feed triggers): the PC that runs
Google sync keeps here each provider's calendar and its ``syncToken``, each
appointment's event (id, etag, version pushed, state), the blocked time made from a
provider's own events, the disclosure register of patient data sent to Google, and
the state of the last round (docs/architecture.md, "Google sync").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "google_calendar",
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("calendar_id", sa.Text(), nullable=False),
        sa.Column("sync_token", sa.Text(), nullable=False),
        sa.Column("full_push", sa.Boolean(), nullable=False),
        sa.Column("mapped_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_google_calendar")),
        sa.UniqueConstraint("calendar_id", name=op.f("uq_google_calendar_calendar_id")),
    )
    op.create_table(
        "google_link",
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("calendar_id", sa.Text(), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False),
        sa.Column("pushed_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("pushed_start", sa.BigInteger(), nullable=True),
        sa.Column("pushed_end", sa.BigInteger(), nullable=True),
        sa.Column("proposed_start", sa.BigInteger(), nullable=True),
        sa.Column("proposed_end", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("appointment_id", name=op.f("pk_google_link")),
    )
    op.create_index("ix_google_link_event", "google_link", ["calendar_id", "event_id"])
    op.create_table(
        "google_block",
        sa.Column("calendar_id", sa.Text(), nullable=False),
        sa.Column("event_id", sa.String(length=1024), nullable=False),
        sa.Column("block_id", sa.String(length=36), nullable=False),
        sa.Column("etag", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("calendar_id", "event_id", name=op.f("pk_google_block")),
    )
    op.create_table(
        "google_disclosure",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("what", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_google_disclosure")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_google_disclosure_patient", "google_disclosure", ["patient_id", "at"])
    op.create_table(
        "google_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("last_round_at", sa.BigInteger(), nullable=True),
        sa.Column("last_counts", sa.Text(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_google_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_google_state")),
    )


def downgrade() -> None:
    op.drop_index("ix_google_disclosure_patient", table_name="google_disclosure")
    op.drop_index("ix_google_link_event", table_name="google_link")
    for table in (
        "google_state",
        "google_disclosure",
        "google_block",
        "google_link",
        "google_calendar",
    ):
        op.drop_table(table)
