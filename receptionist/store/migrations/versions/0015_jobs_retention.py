"""Background jobs and retention: run records, leases, destruction records, holds

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06

All four tables are local to the file and never synced (no change-feed triggers):
``job_run`` (each run of a background job: times, outcome, counts), ``job_lease``
(one runner of a job at a time, across processes), ``destruction_record`` (what a
retention sweep destroyed: kind, count, when, policy; no patient data) and
``retention_hold`` (a legal or medical hold on a patient).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("due_at", sa.BigInteger(), nullable=False),
        sa.Column("ended_at", sa.BigInteger(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_run")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_job_run_job_started", "job_run", ["job", "started_at"])
    op.create_table(
        "job_lease",
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_job_lease")),
    )
    op.create_table(
        "destruction_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("policy", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_record")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_destruction_record_at", "destruction_record", ["at"])
    op.create_table(
        "retention_hold",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.BigInteger(), nullable=False),
        sa.Column("placed_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_retention_hold_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("patient_id", name=op.f("pk_retention_hold")),
    )


def downgrade() -> None:
    for table in ("retention_hold", "destruction_record", "job_lease", "job_run"):
        op.drop_table(table)
