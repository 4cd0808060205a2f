"""A covering index for the patient names the schedule shows

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

A week of a busy clinic is ~4,000 appointments; looking each patient's name up
through the primary-key index and then the table row cost two B-tree descents a
row. With (id, given_name, family_name) in one index it is one.
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_patient_card", "patient", ["id", "given_name", "family_name"])


def downgrade() -> None:
    op.drop_index("ix_patient_card", table_name="patient")
