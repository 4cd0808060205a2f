"""Documents attached to a patient, and the communication log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

A document's bytes live in the encrypted database itself (no side files to leak or
lose); the communication log holds the calls and messages the desk noted. Each is
listed per patient, newest first, through its index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _synced() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "patient_document",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=127), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=36), nullable=True),
        *_synced(),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_patient_document_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_document")),
    )
    op.create_index("ix_patient_document_patient", "patient_document", ["patient_id", "created_at"])
    op.create_table(
        "communication_entry",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("occurred_at", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
        sa.Column("appointment_id", sa.String(length=36), nullable=True),
        *_synced(),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_communication_entry_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_communication_entry_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_communication_entry")),
    )
    op.create_index(
        "ix_communication_entry_patient", "communication_entry", ["patient_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_communication_entry_patient", table_name="communication_entry")
    op.drop_table("communication_entry")
    op.drop_index("ix_patient_document_patient", table_name="patient_document")
    op.drop_table("patient_document")
