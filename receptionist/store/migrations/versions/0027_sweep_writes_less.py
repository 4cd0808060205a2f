"""The retention sweep writes less: two patient indexes no query reads go, and the
appointment delete trigger frees no slot inside a sweep

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07

``ix_patient_email`` and ``ix_patient_birth_date`` (0001) were written with every
patient and read by no query: nothing seeks a patient by e-mail (the search finds an
address through the full-text index), and the duplicate check's "same name and birth
date" seeks by the folded name (``ix_patient_sort_key``), which leaves a handful of
rows to test the date on. Their entries are random to any order the sweep could take,
so each removed patient wrote a page of each (measured at 200,000 patients, a batch
of 1,800: 4.7 -> 3.9 pages a patient).

``tr_freed_slot_delete`` (0012) offers the time a deleted appointment held to the
waitlist. The retention sweep deletes only past appointments, whose time is not to be
offered, and used to delete the ``freed_slot`` rows it had just made; the trigger now
writes none while ``sweep_mark`` (new, local, one row present only inside a sweep's
batch) holds its row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# Frozen copies of 0012's trigger, and of it with the sweep's mark.
HELD = "OLD.deleted_at IS NULL AND OLD.status NOT IN ('cancelled', 'no_show')"
FREE = (
    "INSERT INTO freed_slot (appointment_id, patient_id, provider_id, room_id, service_id,"
    " start_utc, end_utc, reason) VALUES (OLD.id, OLD.patient_id, OLD.provider_id,"
    " OLD.room_id, OLD.service_id, OLD.start_utc, OLD.end_utc, 'deleted')"
)
BEFORE = (
    f"CREATE TRIGGER tr_freed_slot_delete AFTER DELETE ON appointment WHEN {HELD}"
    f"\nBEGIN {FREE}; END"
)
AFTER = (
    "CREATE TRIGGER tr_freed_slot_delete AFTER DELETE ON appointment"
    f" WHEN {HELD} AND NOT EXISTS (SELECT 1 FROM sweep_mark)\nBEGIN {FREE}; END"
)


def upgrade() -> None:
    op.create_table(
        "sweep_mark",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_sweep_mark_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_mark")),
    )
    op.execute("DROP TRIGGER IF EXISTS tr_freed_slot_delete")
    op.execute(AFTER)
    op.drop_index("ix_patient_email", table_name="patient")
    op.drop_index("ix_patient_birth_date", table_name="patient")


def downgrade() -> None:
    op.create_index("ix_patient_birth_date", "patient", ["birth_date"])
    op.create_index("ix_patient_email", "patient", ["email"])
    op.execute("DROP TRIGGER IF EXISTS tr_freed_slot_delete")
    op.execute(BEFORE)
    op.drop_table("sweep_mark")
