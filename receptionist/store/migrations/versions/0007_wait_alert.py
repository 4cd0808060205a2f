"""The clinic sets how long a patient may wait before the today board warns

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

The board turned a row amber after a fixed 15 minutes; a busy walk-in clinic and a
specialist practice want different limits, so the clinic row holds it (default 15).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as batch_op:
        batch_op.add_column(
            sa.Column("wait_alert_minutes", sa.Integer(), nullable=False, server_default="15")
        )


def downgrade() -> None:
    with op.batch_alter_table("clinic") as batch_op:
        batch_op.drop_column("wait_alert_minutes")
