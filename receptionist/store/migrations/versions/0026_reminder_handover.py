"""What a reminder station takes over from, kept in the file

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07

``reminder_handover`` (models/handover.py): per way of taking over the sending of
reminders ("lease": the endpoint's lease moved here; "restore": this file was
restored from a backup), the time up to which the previous sender answered for the
messages and the change feed's sequence from which a booking reached this PC too late
for it. It was kept in memory only, so a restart forgot it. Local to the file: no
change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_handover",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("cutoff", sa.BigInteger(), nullable=False),
        sa.Column("mark", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reminder_handover")
