"""How far the endpoint has accepted this PC's changes; appointments a takeover's mark
moved past before they were planned

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07

``sync_state.accepted_change``: the change-feed sequence up to which the endpoint has
answered for this PC's own changes. ``pushed_change`` moves on when a batch is packed,
before it is sent; a batch whose push failed or was refused waits in ``sync_pending``
with its changes past this one. A stand-by keeps this one, not ``pushed_change``, when
it hears the reminders holder renew (``reminders/handover.py``): a booking in a batch
still waiting then never reached the holder, and is the stand-by's to confirm at a
takeover (#14). Set from ``pushed_change`` where no batch waits; NULL where one does
(not known: ``pushed_change`` stands in until the endpoint answers it).

``reminder_handover_late`` (models/handover.py): an appointment whose change reached
this PC after a takeover's mark, still beyond the planning horizon, unplanned, when the
mark moved on; the mark no longer waits weeks for it to be planned (#14), and its news
stays this PC's to send. Both local to the file: no change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_state", sa.Column("accepted_change", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE sync_state SET accepted_change = pushed_change"
        " WHERE NOT EXISTS (SELECT 1 FROM sync_pending)"
    )
    op.create_table(
        "reminder_handover_late",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("appointment_id", sa.String(36), primary_key=True),
        sa.Column("inserted", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reminder_handover_late")
    # No table copy: the sync_gone triggers name sync_state, and a copy's rename fails.
    op.execute("ALTER TABLE sync_state DROP COLUMN accepted_change")
