"""How far a stand-by had pushed when it heard the holder's last renewal

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07

``reminder_handover.pushed`` (models/handover.py): on the ``watch`` row, this PC's
``sync_state.pushed_change`` when it first heard the holder's renewal; on a ``lease``
row, the same, taken over with that renewal as the cutoff. A change made on this PC
after that sequence was not on the endpoint while the holder renewed, so the holder
never saw it: a booking made on the stand-by and pushed late is its to confirm (#14).
NULL: not known (an old row, a restore). Local to the file: no change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("reminder_handover", sa.Column("pushed", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_handover") as batch:
        batch.drop_column("pushed")
