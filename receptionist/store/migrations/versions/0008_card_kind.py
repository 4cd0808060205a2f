"""Schedule cards carry a small local number for their kind: a week reads half the pages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

Every entry of the window index (0005) repeated four values that a week's ~3,700 cards
share with hundreds of others: the provider, room and service ids (36 characters
each) and the status - half of each entry. On SQLCipher a page read for the first
time is decrypted and its HMAC checked, which made the first look at a week ~4 ms
slower than the next one on the 2M-appointment benchmark file. Each distinct
(provider, room, service, status) now gets a local number in ``card_kind`` (297 on
that file); the appointment carries it in ``card_kind``, kept by triggers whatever
writes the rows (the app, the CLI, sync), and the window index holds it instead of
the four columns. The index also holds live rows only: tombstones cost it nothing.
Kind rows are never changed or deleted, so a number keeps its meaning.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations.stats import analyze_if_kept

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies of the definitions as of this revision.
WINDOW_COLUMNS = ["start_utc", "end_utc", "card_kind", "id", "patient_id", "patient_label"]
OLD_WINDOW_COLUMNS = [
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
LABEL_OF = (
    "coalesce((SELECT trim(p.given_name || ' ' || p.family_name) FROM patient AS p "
    "WHERE p.id = NEW.patient_id), '')"
)
KIND_OF = (
    "(SELECT k.no FROM card_kind AS k WHERE k.provider_id = NEW.provider_id"
    " AND k.room_id = coalesce(NEW.room_id, '') AND k.service_id = NEW.service_id"
    " AND k.status = NEW.status)"
)
# Not INSERT OR IGNORE: a statement's own conflict clause (INSERT OR REPLACE, an
# UPSERT) overrides those of the triggers it fires, and REPLACE would delete a kind
# other appointments still point to. This insert cannot conflict.
ADD_KIND = (
    "INSERT INTO card_kind (provider_id, room_id, service_id, status) "
    "SELECT NEW.provider_id, coalesce(NEW.room_id, ''), NEW.service_id, NEW.status "
    f"WHERE {KIND_OF} IS NULL"
)
COPIES = f"patient_label = {LABEL_OF}, card_kind = {KIND_OF}"
CARD_TRIGGERS = [
    # Replace 0005's two label triggers on appointment: one update of the row, not two.
    f"""CREATE TRIGGER tr_appointment_card_insert AFTER INSERT ON appointment
BEGIN {ADD_KIND};
UPDATE appointment SET {COPIES} WHERE rowid = NEW.rowid; END""",
    # Any update naming a column the copies come from, or the copies themselves (a
    # whole-row upsert, as a sync write may be, sets them to whatever it carries),
    # puts them right when they are not; when they are, it does nothing. The inner
    # UPDATE does not fire this trigger again (recursive_triggers is off), and would
    # find nothing to do if it did.
    f"""CREATE TRIGGER tr_appointment_card_update AFTER UPDATE OF
provider_id, room_id, service_id, status, patient_id, card_kind, patient_label ON appointment
WHEN NEW.card_kind IS NOT {KIND_OF} OR NEW.patient_label IS NOT {LABEL_OF}
BEGIN {ADD_KIND};
UPDATE appointment SET {COPIES} WHERE rowid = NEW.rowid; END""",
]
OLD_LABEL_TRIGGERS = [
    f"""CREATE TRIGGER tr_appointment_label_insert AFTER INSERT ON appointment
BEGIN UPDATE appointment SET patient_label = {LABEL_OF} WHERE rowid = NEW.rowid; END""",
    f"""CREATE TRIGGER tr_appointment_label_patient AFTER UPDATE OF patient_id ON appointment
BEGIN UPDATE appointment SET patient_label = {LABEL_OF} WHERE rowid = NEW.rowid; END""",
]


def upgrade() -> None:
    op.create_table(
        "card_kind",
        sa.Column("no", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.Text(), nullable=False),
        sa.Column("room_id", sa.Text(), nullable=False),
        sa.Column("service_id", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("no", name=op.f("pk_card_kind")),
        sa.UniqueConstraint("provider_id", "room_id", "service_id", "status", name="uq_card_kind"),
    )
    op.execute(
        "INSERT INTO card_kind (provider_id, room_id, service_id, status)"
        " SELECT DISTINCT provider_id, coalesce(room_id, ''), service_id, status"
        " FROM appointment ORDER BY 1, 2, 3, 4"
    )
    op.add_column(
        "appointment",
        sa.Column("card_kind", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute(
        "UPDATE appointment SET card_kind = (SELECT k.no FROM card_kind AS k"
        " WHERE k.provider_id = appointment.provider_id"
        " AND k.room_id = coalesce(appointment.room_id, '')"
        " AND k.service_id = appointment.service_id AND k.status = appointment.status)"
    )
    for name in ("tr_appointment_label_insert", "tr_appointment_label_patient"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in CARD_TRIGGERS:
        op.execute(ddl)
    op.drop_index("ix_appointment_window", table_name="appointment")
    op.create_index(
        "ix_appointment_window",
        "appointment",
        WINDOW_COLUMNS,
        sqlite_where=sa.text("deleted_at IS NULL"),
    )
    analyze_if_kept("appointment", "ix_appointment_window")


def downgrade() -> None:
    op.drop_index("ix_appointment_window", table_name="appointment")
    for name in ("tr_appointment_card_update", "tr_appointment_card_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for ddl in OLD_LABEL_TRIGGERS:
        op.execute(ddl)
    op.create_index("ix_appointment_window", "appointment", OLD_WINDOW_COLUMNS)
    op.execute("ALTER TABLE appointment DROP COLUMN card_kind")
    op.drop_table("card_kind")
