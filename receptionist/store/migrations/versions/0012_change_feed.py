"""A change feed written in the same transaction as the change: this PC's outbox

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06

Cloud sync, Google sync, the scheduler and the app's views all need to know "what
changed since N". The audit log cannot serve: it also holds reads and carries no
versions. ``change_log`` gets one row per insert, update, tombstone or purge of a
synced row, written by triggers (so by every writer: the ORM, the CLI, a migration,
raw SQL) in the writer's transaction: entity, row id, row version, kind, origin
(NULL for this PC; the source device while sync applies another PC's rows through
``change_origin``) and time. ``seq`` is AUTOINCREMENT, so it only grows and a
rolled-back write leaves no gap; writers are serialised by BEGIN IMMEDIATE, so
``seq`` order is commit order. Rows that existed before this revision are not
logged: a PC's first upload sends whole tables, not the outbox.

``freed_slot`` records the time an appointment stopped holding (cancelled, no-show,
deleted, moved or resized), by trigger too, so the waitlist can be offered that time
whatever made the change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Frozen copy: each synced table and its synced columns (beyond id, created_at,
# updated_at, version, deleted_at) as of this revision. Local columns are left out:
# patient.search_rowid and sort_key, appointment.patient_label and card_kind.
SYNCED_TABLES: dict[str, tuple[str, ...]] = {
    "clinic": (),
    "clinic_setting": ("key", "value"),
    "provider": ("name", "colour", "working_hours", "active"),
    "room": ("name", "active"),
    "service": (
        "name", "category", "duration_minutes", "price_minor", "currency",
        "buffer_before_minutes", "buffer_after_minutes", "colour", "active",
    ),
    "blocked_time": ("provider_id", "room_id", "start_utc", "end_utc", "kind", "reason"),
    "patient": (
        "number", "given_name", "family_name", "national_id", "birth_date", "gender",
        "phone", "email", "address", "preferred_language", "preferred_channel", "notes",
    ),
    "consent": ("patient_id", "purpose", "granted", "recorded_at", "recorded_by", "source"),
    "appointment": (
        "patient_id", "provider_id", "service_id", "room_id", "start_utc", "end_utc",
        "status", "notes", "booked_by", "cancellation_reason", "series_id", "override_by",
        "override_reason", "arrived_at",
    ),
    "patient_document": (
        "patient_id", "file_name", "media_type", "size_bytes", "sha256", "content", "note",
        "added_by",
    ),
    "communication_entry": (
        "patient_id", "occurred_at", "channel", "direction", "summary", "recorded_by",
        "appointment_id",
    ),
    "waitlist_entry": (
        "patient_id", "service_id", "provider_id", "earliest_date", "latest_date",
        "times_of_day", "weekdays", "note", "priority", "created_by", "status",
    ),
    "staff_user": ("username", "full_name", "password_hash", "role", "active"),
}  # fmt: skip

HELD = "OLD.deleted_at IS NULL AND OLD.status NOT IN ('cancelled', 'no_show')"
FREED_WHY = (
    "CASE WHEN NEW.deleted_at IS NOT NULL THEN 'deleted'"
    " WHEN NEW.status IN ('cancelled', 'no_show') THEN NEW.status ELSE 'moved' END"
)
FREE = (
    "INSERT INTO freed_slot (appointment_id, patient_id, provider_id, room_id, service_id,"
    " start_utc, end_utc, reason) VALUES (OLD.id, OLD.patient_id, OLD.provider_id,"
    " OLD.room_id, OLD.service_id, OLD.start_utc, OLD.end_utc, {why})"
)
FREED_ON_UPDATE = f"""
CREATE TRIGGER tr_freed_slot_update AFTER UPDATE ON appointment
WHEN {HELD} AND (NEW.deleted_at IS NOT NULL OR NEW.status IN ('cancelled', 'no_show')
    OR NEW.start_utc IS NOT OLD.start_utc OR NEW.end_utc IS NOT OLD.end_utc
    OR NEW.provider_id IS NOT OLD.provider_id)
BEGIN {FREE.format(why=FREED_WHY)}; END
"""
FREED_ON_DELETE = f"""
CREATE TRIGGER tr_freed_slot_delete AFTER DELETE ON appointment WHEN {HELD}
BEGIN {FREE.format(why="'deleted'")}; END
"""


def upgrade() -> None:
    op.create_table(
        "change_log",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("row_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("origin", sa.String(length=36), nullable=True),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_log")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_change_log_row", "change_log", ["entity", "row_id"])
    op.create_table(
        "change_origin",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_change_origin_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_origin")),
    )
    op.create_table(
        "freed_slot",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("provider_id", sa.String(length=36), nullable=False),
        sa.Column("room_id", sa.String(length=36), nullable=True),
        sa.Column("service_id", sa.String(length=36), nullable=False),
        sa.Column("start_utc", sa.BigInteger(), nullable=False),
        sa.Column("end_utc", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_freed_slot")),
        sqlite_autoincrement=True,
    )
    for table, columns in SYNCED_TABLES.items():
        feed.install(table, columns)
    op.execute(FREED_ON_UPDATE)
    op.execute(FREED_ON_DELETE)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS tr_freed_slot_update")
    op.execute("DROP TRIGGER IF EXISTS tr_freed_slot_delete")
    for table in SYNCED_TABLES:
        feed.drop(table)
    op.drop_table("freed_slot")
    op.drop_table("change_origin")
    op.drop_index("ix_change_log_row", table_name="change_log")
    op.drop_table("change_log")
