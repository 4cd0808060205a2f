"""Holds that travel with sync; an index that makes deleting appointments fast

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

``retention_hold`` (0015) kept a patient's legal or medical hold in this PC's file
only: a hold placed at the front desk did not stop the sweep of the PC that runs
the nightly job. ``patient_hold`` replaces it as a synced row (id, times, version,
tombstone; change-feed triggers), so a hold reaches every PC with the next sync and
lifting it (a tombstone) does too. The holds of ``retention_hold`` are copied over,
each as a new row (so the feed sends them at the next sync), each with its creation
event in the audit log (source ``migration``), as the log's coverage asks of every
synced row: written here with the chain's rule, frozen below.

``communication_entry.appointment_id`` references ``appointment``; with foreign keys
on, SQLite looks for entries that still point at each appointment deleted, and with
no index on the column that is a scan of the whole log per appointment: a retention
sweep of a two-million-appointment clinic spent two minutes on every batch of 2,000
appointments. The index makes each look-up one seek.
"""

from __future__ import annotations

import hashlib
import time

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

# Frozen copy: the hold's synced columns as of this revision.
HOLD_COLUMNS = ("patient_id", "reason", "placed_at", "placed_by")
NEW_ID = (
    "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||"
    " substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||"
    " substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
)


def upgrade() -> None:
    op.create_index("ix_communication_entry_appointment", "communication_entry", ["appointment_id"])
    op.create_table(
        "patient_hold",
        sa.Column("patient_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.BigInteger(), nullable=False),
        sa.Column("placed_by", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patient.id"], name=op.f("fk_patient_hold_patient_id_patient")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_hold")),
    )
    op.create_index("ix_patient_hold_patient", "patient_hold", ["patient_id"])
    feed.install("patient_hold", HOLD_COLUMNS)
    op.execute(
        "INSERT INTO patient_hold (id, created_at, updated_at, version, deleted_at,"
        f" patient_id, reason, placed_at, placed_by) SELECT {NEW_ID}, placed_at, placed_at,"
        " 1, NULL, patient_id, reason, placed_at, placed_by FROM retention_hold"
    )
    _audit_copies()
    op.drop_table("retention_hold")


def _audit_copies() -> None:
    """A ``create patient_hold`` event for each copied hold, chained on from the head
    (``journal.audit``'s digest as of this revision)."""
    bind = op.get_bind()
    holds = [r[0] for r in bind.execute(sa.text("SELECT id FROM patient_hold ORDER BY rowid"))]
    if not holds:
        return
    last = bind.execute(sa.text("SELECT seq, hash FROM audit_head WHERE id = 1")).first()
    if last is None:
        last = bind.execute(
            sa.text("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
        ).first()
    seq, prev = (int(last[0]), str(last[1])) if last else (0, "0" * 64)
    at = time.time_ns() // 1000
    for hold_id in holds:
        seq += 1
        parts = [prev, str(seq), str(at), "", "migration", "create", "patient_hold", hold_id]
        digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
        bind.execute(
            sa.text(
                "INSERT INTO audit_event (seq, at, actor_id, source, action, entity_type,"
                " entity_id, prev_hash, hash) VALUES (:seq, :at, NULL, 'migration', 'create',"
                " 'patient_hold', :id, :prev, :hash)"
            ),
            {"seq": seq, "at": at, "id": hold_id, "prev": prev, "hash": digest},
        )
        prev = digest


def downgrade() -> None:
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
    op.execute(
        "INSERT OR REPLACE INTO retention_hold (patient_id, reason, placed_at, placed_by)"
        " SELECT patient_id, reason, placed_at, placed_by FROM patient_hold"
        " WHERE deleted_at IS NULL ORDER BY placed_at"
    )
    feed.drop("patient_hold")
    op.drop_index("ix_patient_hold_patient", table_name="patient_hold")
    op.drop_table("patient_hold")
    op.drop_index("ix_communication_entry_appointment", table_name="communication_entry")
