"""The endpoint's schema: clinics, devices, codes, envelopes, records, conflicts

Revision ID: s0001
Revises:
Create Date: 2026-12-06

Double booking is refused by the database itself. On PostgreSQL, two exclusion
constraints (``btree_gist``): no two active, not-overridden appointments of a clinic
share a provider, or a room, over overlapping ``tstzrange(start, end)`` (half open:
10:00-10:30 and 10:30-11:00 do not overlap). On SQLite, triggers make the same check
before each insert and update of a record, inside the writer's transaction (which
BEGIN IMMEDIATE serialises), and abort the statement with ``appointment_overlap``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)
# An appointment that holds its provider's and its room's time (frozen copy).
HOLDS = (
    "entity = 'appointment' AND NOT deleted AND NOT override "
    "AND status NOT IN ('cancelled', 'no_show')"
)


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "postgresql":
        _exclusion_constraints()
    else:
        _sqlite_triggers()


def _tables() -> None:
    op.create_table(
        "clinic",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("next_seq", sa.BigInteger, nullable=False),
        sa.Column("horizon_seq", sa.BigInteger, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_table(
        "device",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("code", sa.String(4), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("public_key", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("revoked_at", TIME),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("last_seen_at", TIME),
    )
    op.create_index("uq_device_clinic_code", "device", ["clinic_id", "code"], unique=True)
    op.create_table(
        "connect_code",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME),
        sa.Column("used_by", sa.String(36)),
    )
    op.create_table(
        "invitation",
        sa.Column("id_hash", sa.String(64), primary_key=True),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("created_by", sa.String(36), sa.ForeignKey("device.id"), nullable=False),
        sa.Column("wrapped_key", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME),
        sa.Column("used_by", sa.String(36)),
    )
    op.create_table(
        "key_envelope",
        sa.Column("device_id", sa.String(36), sa.ForeignKey("device.id"), primary_key=True),
        sa.Column("generation", sa.Integer, primary_key=True),
        sa.Column("blob", sa.Text, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    _records()
    op.create_table(
        "conflict",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("row_id", sa.String(64), nullable=False),
        sa.Column("records", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("resolved_at", TIME),
        sa.Column("resolved_by", sa.String(36)),
        sa.Column("resolution", sa.Text),
    )
    op.create_index("uq_conflict_clinic_seq", "conflict", ["clinic_id", "seq"], unique=True)


def _records() -> None:
    op.create_table(
        "record",
        sa.Column("clinic_id", sa.String(36), sa.ForeignKey("clinic.id"), primary_key=True),
        sa.Column("entity", sa.String(32), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("key_gen", sa.Integer, nullable=False),
        sa.Column("clear", sa.Text, nullable=False),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("written_at", TIME, nullable=False),
        sa.Column("provider_id", sa.String(64)),
        sa.Column("room_id", sa.String(64)),
        sa.Column("service_id", sa.String(64)),
        sa.Column("start_at", TIME),
        sa.Column("end_at", TIME),
        sa.Column("status", sa.String(16)),
        sa.Column("override", sa.Boolean),
    )
    op.create_index("uq_record_clinic_seq", "record", ["clinic_id", "seq"], unique=True)
    op.create_index("ix_record_tombstones", "record", ["clinic_id", "deleted", "written_at"])
    op.create_index("ix_record_provider_end", "record", ["clinic_id", "provider_id", "end_at"])
    op.create_index("ix_record_room_end", "record", ["clinic_id", "room_id", "end_at"])


def _exclusion_constraints() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column, extra in (
        ("ex_record_provider_overlap", "provider_id", ""),
        ("ex_record_room_overlap", "room_id", " AND room_id IS NOT NULL"),
    ):
        op.execute(
            f"ALTER TABLE record ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"(clinic_id WITH =, {column} WITH =, tstzrange(start_at, end_at) WITH &&) "
            f"WHERE ({HOLDS}{extra})"
        )


def _busy(column: str) -> str:
    """SQL: another appointment that holds NEW's ``column`` over an overlapping time."""
    return (
        "EXISTS (SELECT 1 FROM record AS r WHERE r.clinic_id = NEW.clinic_id "
        f"AND r.{column} = NEW.{column} AND r.end_at > NEW.start_at "
        "AND r.start_at < NEW.end_at AND r.id != NEW.id AND r.entity = 'appointment' "
        "AND NOT r.deleted AND NOT r.override AND r.status NOT IN ('cancelled', 'no_show'))"
    )


def _sqlite_triggers() -> None:
    holds = (
        "NEW.entity = 'appointment' AND NOT NEW.deleted AND NOT NEW.override "
        "AND NEW.status NOT IN ('cancelled', 'no_show')"
    )
    for when in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER record_no_double_booking_{when.lower()} BEFORE {when} ON record "
            f"WHEN {holds} BEGIN "
            "SELECT RAISE(ABORT, 'appointment_overlap') "
            f"WHERE {_busy('provider_id')} OR {_busy('room_id')}; END"
        )


def downgrade() -> None:
    for table in ("conflict", "record", "key_envelope", "invitation", "connect_code"):
        op.drop_table(table)
    op.drop_table("device")
    op.drop_table("clinic")
