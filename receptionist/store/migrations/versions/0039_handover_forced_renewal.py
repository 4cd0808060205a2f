"""A forced takeover's old holder's last renewal kept with the handover

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-08

``reminder_handover.doubted`` (models/handover.py): for a ``lease`` handover taken by a
person's "take over now", the old holder's last renewal before the force, a minute
after, in the endpoint's time (``handover.note``): the renewal the handover took the
stand-by's ``watch`` row for. Before, only the round knew it (``station.Hold.doubted``),
so a push batch's resend answered after the takeover as applied before that renewal
(``handover.applied_before``) could not tell the handover followed the renewal watched,
left its ``pushed`` where it was, and a booking the old holder saw and confirmed was
confirmed a second time (#14). NULL: not forced, not known, or kept before this
revision (filled by the next round that hears the same forced takeover). Local to the
file: no change-feed triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The model's UTCDateTime: integer microseconds since the epoch.
    op.add_column("reminder_handover", sa.Column("doubted", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reminder_handover") as batch:
        batch.drop_column("doubted")
