"""The clinic's options become settings: one row per key, declared in a registry

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

Each clinic option was a column of ``clinic``: a new one cost a column, a migration,
a rule, a label and a widget. They are now rows of ``clinic_setting`` (key, JSON
value, and the columns every synced row has), declared once in the settings registry
(``receptionist.settings``); adding a setting needs no migration. Rows have ids
derived from their keys (``models.setting_id``), so two PCs that set one key offline
write one row. The values move over as they were; the columns go. ``local_secret``
holds secret settings on a PC whose OS has no keychain (never synced).
"""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen copies as of this revision: the namespace of setting ids, and where each
# column goes.
SETTING_IDS = uuid.UUID("6f1d3c52-8d0e-4d64-9a35-2c0e6b1f7a10")
MOVED = {
    "name": "clinic.name",
    "timezone": "clinic.timezone",
    "phone_region": "clinic.phone_region",
    "locale": "clinic.locale",
    "slot_minutes": "schedule.slot_minutes",
    "opening_hours": "schedule.opening_hours",
    "wait_alert_minutes": "desk.wait_alert_minutes",
}


def upgrade() -> None:
    op.create_table(
        "clinic_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic_setting")),
        sa.UniqueConstraint("key", name=op.f("uq_clinic_setting_key")),
    )
    op.create_table(
        "local_secret",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_local_secret")),
    )
    conn = op.get_bind()
    columns = ", ".join(MOVED)
    row = conn.execute(
        sa.text(f"SELECT updated_at, {columns} FROM clinic WHERE deleted_at IS NULL LIMIT 1")
    ).first()
    if row is not None:
        at, values = row[0], dict(zip(MOVED, row[1:], strict=True))
        for column, key in MOVED.items():
            value = values[column]
            text = value if column == "opening_hours" else json.dumps(value, ensure_ascii=False)
            if column == "opening_hours":  # stored as JSON text already; normalise it
                text = json.dumps(json.loads(value or "{}"), sort_keys=True)
            conn.execute(
                sa.text(
                    "INSERT INTO clinic_setting (id, key, value, created_at, updated_at, version)"
                    " VALUES (:id, :key, :value, :at, :at, 1)"
                ),
                {"id": str(uuid.uuid5(SETTING_IDS, key)), "key": key, "value": text, "at": at},
            )
    for column in MOVED:
        op.execute(f"ALTER TABLE clinic DROP COLUMN {column}")


# The columns as 0010 had them, for a downgrade.
COLUMNS = {
    "name": "VARCHAR(200) NOT NULL DEFAULT ''",
    "timezone": "VARCHAR(64) NOT NULL DEFAULT 'UTC'",
    "phone_region": "VARCHAR(2) NOT NULL DEFAULT 'TR'",
    "locale": "VARCHAR(16) NOT NULL DEFAULT 'en'",
    "slot_minutes": "INTEGER NOT NULL DEFAULT 15",
    "opening_hours": "JSON NOT NULL DEFAULT '{}'",
    "wait_alert_minutes": "INTEGER NOT NULL DEFAULT 15",
}


def downgrade() -> None:
    conn = op.get_bind()
    for column, decl in COLUMNS.items():
        op.execute(f"ALTER TABLE clinic ADD COLUMN {column} {decl}")
    rows = conn.execute(sa.text("SELECT key, value FROM clinic_setting")).all()
    found: dict[str, str] = {key: value for key, value in rows}
    for column, key in MOVED.items():
        if key not in found:
            continue
        value = found[key] if column == "opening_hours" else json.loads(found[key])
        conn.execute(sa.text(f"UPDATE clinic SET {column} = :value"), {"value": value})
    op.drop_table("local_secret")
    op.drop_table("clinic_setting")
