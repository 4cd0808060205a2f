"""The schedule's week in one index: a covering window index and a card label

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

A week of a busy clinic is ~4,000 appointments. Reading them through the start index
cost a table look-up per row, and the patient's name another look-up into the
patients, together most of the ~22 ms the week took on the 2M-appointment benchmark
file. The appointment now carries the patient's name as the card shows it
(``patient_label``, kept by triggers, local only), and one index holds every column
a card needs, so a week is a single range scan. The index replaces the plain start
index (it starts with ``start_utc``) and the patient card index it makes unused.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copies of the model's definitions as of this revision.
WINDOW_COLUMNS = [
    "start_utc",
    "end_utc",
    "deleted_at",
    "status",
    "provider_id",
    "room_id",
    "service_id",
    "patient_id",
    "id",
    "patient_label",
]
# coalesce: an appointment whose patient row is missing (a damaged old file) gets an
# empty label rather than failing the NOT NULL column, and with it the whole upgrade.
LABEL_OF = (
    "coalesce((SELECT trim(p.given_name || ' ' || p.family_name) FROM patient AS p "
    "WHERE p.id = NEW.patient_id), '')"
)
LABEL_TRIGGERS = [
    f"""CREATE TRIGGER tr_appointment_label_insert AFTER INSERT ON appointment
BEGIN UPDATE appointment SET patient_label = {LABEL_OF} WHERE rowid = NEW.rowid; END""",
    f"""CREATE TRIGGER tr_appointment_label_patient AFTER UPDATE OF patient_id ON appointment
BEGIN UPDATE appointment SET patient_label = {LABEL_OF} WHERE rowid = NEW.rowid; END""",
    """CREATE TRIGGER tr_patient_label_rename AFTER UPDATE OF given_name, family_name ON patient
WHEN NEW.given_name IS NOT OLD.given_name OR NEW.family_name IS NOT OLD.family_name
BEGIN UPDATE appointment SET patient_label = trim(NEW.given_name || ' ' || NEW.family_name)
WHERE patient_id = NEW.id; END""",
]


def upgrade() -> None:
    op.add_column(
        "appointment",
        sa.Column("patient_label", sa.Text(), nullable=False, server_default=""),
    )
    op.execute(
        "UPDATE appointment SET patient_label = coalesce((SELECT trim(p.given_name || ' ' || "
        "p.family_name) FROM patient AS p WHERE p.id = appointment.patient_id), '')"
    )
    for ddl in LABEL_TRIGGERS:
        op.execute(ddl)
    op.drop_index("ix_appointment_start", table_name="appointment")
    op.drop_index("ix_patient_card", table_name="patient")
    op.create_index("ix_appointment_window", "appointment", WINDOW_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_appointment_window", table_name="appointment")
    op.create_index("ix_patient_card", "patient", ["id", "given_name", "family_name"])
    op.create_index("ix_appointment_start", "appointment", ["start_utc"])
    for name in (
        "tr_patient_label_rename",
        "tr_appointment_label_patient",
        "tr_appointment_label_insert",
    ):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("appointment") as batch_op:
        batch_op.drop_column("patient_label")
