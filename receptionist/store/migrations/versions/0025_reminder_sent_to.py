"""The address a reminder went to

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07

``reminder.sent_to``: the number or e-mail address a message went to, kept as it goes
"sending", so the status lookup after a crash asks the provider about that address and
not the patient's address now (changed meanwhile, it would find nothing, and the
message would go twice). ``reminder`` stays local (no change-feed triggers). Rows from
before have none: one such left "sending" is not looked up but made "unknown".
``ix_reminder_patient``: the sweep and an erasure empty a patient's addresses by
``patient_id``, once a batch; without it each was a pass over the whole table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reminder", sa.Column("sent_to", sa.Text(), nullable=False, server_default=""))
    op.create_index("ix_reminder_patient", "reminder", ["patient_id"])


def downgrade() -> None:
    op.drop_index("ix_reminder_patient", "reminder")
    op.execute("ALTER TABLE reminder DROP COLUMN sent_to")
