"""Restriction of processing on each patient (GDPR art. 18, KVKK art. 11)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07

``restricted_at`` (since when; NULL while not restricted) and ``restriction_reason``
("" for none). Patient data like the notes: synced sealed, never in a routing field.
The patient's change-feed triggers are re-created with the columns, so marking or
lifting a restriction syncs too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# Frozen copy: the patient's synced columns (beyond id, created_at, updated_at, version,
# deleted_at) before and after this revision.
BEFORE = (
    "number", "given_name", "family_name", "national_id", "birth_date", "gender",
    "phone", "email", "address", "preferred_language", "preferred_channel", "notes",
    "alert",
)  # fmt: skip
AFTER = (*BEFORE, "restricted_at", "restriction_reason")


def upgrade() -> None:
    # Plain ADD COLUMNs (no table copy): the patient's other triggers stay as they are.
    op.add_column("patient", sa.Column("restricted_at", sa.BigInteger(), nullable=True))
    op.add_column(
        "patient",
        sa.Column("restriction_reason", sa.Text(), nullable=False, server_default=""),
    )
    # Planning reads the few restricted patients through this (patients/restriction.py).
    op.create_index(
        "ix_patient_restricted",
        "patient",
        ["id"],
        sqlite_where=sa.text("restricted_at IS NOT NULL"),
    )
    feed.install("patient", AFTER)


def downgrade() -> None:
    op.drop_index("ix_patient_restricted", table_name="patient")
    feed.install("patient", BEFORE)  # first: the triggers name the columns
    op.execute("ALTER TABLE patient DROP COLUMN restriction_reason")
    op.execute("ALTER TABLE patient DROP COLUMN restricted_at")
