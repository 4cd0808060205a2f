"""A front-desk alert on each patient ("needs wheelchair access", "pays by insurance X")

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

One short line the desk sees on the schedule card and when booking. It is patient
data like the notes: synced sealed, never in a routing field. The patient's change-feed
triggers are re-created with the column, so editing only the alert syncs too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Frozen copy: the patient's synced columns (beyond id, created_at, updated_at, version,
# deleted_at) before and after this revision.
BEFORE = (
    "number", "given_name", "family_name", "national_id", "birth_date", "gender",
    "phone", "email", "address", "preferred_language", "preferred_channel", "notes",
)  # fmt: skip
AFTER = (*BEFORE, "alert")


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the patient's other triggers stay as they are.
    op.add_column(
        "patient", sa.Column("alert", sa.String(length=200), nullable=False, server_default="")
    )
    # The schedule reads the few patients with an alert through this (schedule/alerts.py).
    op.create_index("ix_patient_alert", "patient", ["id"], sqlite_where=sa.text("alert <> ''"))
    feed.install("patient", AFTER)


def downgrade() -> None:
    op.drop_index("ix_patient_alert", table_name="patient")
    feed.install("patient", BEFORE)  # first: the triggers name the column
    op.execute("ALTER TABLE patient DROP COLUMN alert")  # no table copy either
