"""Two lookups that read a whole table: freed times by patient, audit events by kind

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07

- ``ix_freed_slot_patient`` on ``freed_slot.patient_id``: an erasure (here, pulled or
  swept) deletes the times her bookings freed for the waitlist by her id
  (``patients/erasure.forget_freed``), and so does the retention sweep for the
  patients it purges (``retention/sweep.py``); each passed over every freed time the
  PC had kept.
- ``ix_audit_event_kind`` on ``audit_event (entity_type, action)``: the desk's sync
  status asks at every read whether the endpoint signs with another key than the
  pinned one (``journal/notary.key_changed``: the newest ``endpoint_key`` event of four
  actions). With no index SQLite walked the log backwards from its newest event until
  it found one, which in a clinic that never saw such an event is the whole log (about
  100 ms at 300,000 events; benchmarks/bench_key_changed.py). The index also serves the
  other questions asked of the log by kind and action (the coverage check's creation
  events, the retention review's sweeps). A partial index on ``entity_type =
  'endpoint_key'`` would be smaller, but SQLite uses one only when the query spells the
  same literal, and SQLAlchemy binds it as a parameter.
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_freed_slot_patient", "freed_slot", ["patient_id"])
    op.create_index("ix_audit_event_kind", "audit_event", ["entity_type", "action"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_kind", table_name="audit_event")
    op.drop_index("ix_freed_slot_patient", table_name="freed_slot")
