"""A lease's takeover cutoff kept in the endpoint's time too

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-07

``reminder_handover.endpoint_cutoff`` (models/handover.py): a ``lease`` handover's
cutoff as the endpoint said it, in its time, beside ``cutoff`` on this PC's clock
(``handover.note``). Whether a round's cutoff is the handover already kept, and what
was due by it, are read from this one: a correction of this PC's clock after the
takeover moves neither (#14). NULL: a restore's, the ``watch`` row, or a row kept
before this revision (read as before: ``cutoff`` moved by the round's skew; filled by
the next round that says the same cutoff). Local to the file: no change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The model's UTCDateTime: integer microseconds since the epoch.
    op.add_column("reminder_handover", sa.Column("endpoint_cutoff", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_handover") as batch:
        batch.drop_column("endpoint_cutoff")
