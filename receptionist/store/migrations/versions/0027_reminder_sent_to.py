"""The address a reminder went to; the names this file put in the OS keychain

Revision ID: 0027
Revises: 0024
Create Date: 2026-12-07

``reminder.sent_to``: the number or e-mail address a message went to, kept as it goes
"sending", so the status lookup after a crash asks the provider about that address and
not the patient's address now (changed meanwhile, it would find nothing, and the
message would go twice). ``reminder`` stays local (no change-feed triggers).

``keychain_entry``: the name (never the value) of each secret this file wrote to the
OS keychain, since a keychain cannot be listed: the retention sweep finds a spent
device token there by it. Seeded with this PC's device token, which a keychain may
hold already. Local, no triggers.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0024"
branch_labels = None
depends_on = None

# Frozen copy of the name ``settings.secretstore`` keeps a device token under.
SEED = sa.text(
    "INSERT INTO keychain_entry (name, written_at)"
    " SELECT :cloud || clinic_id || :sep || device_id || :token, 0 FROM sync_state"
).bindparams(cloud="cloud:", sep=":", token=":cloud.device_token")


def upgrade() -> None:
    op.add_column("reminder", sa.Column("sent_to", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "keychain_entry",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("written_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_keychain_entry")),
    )
    op.execute(SEED)


def downgrade() -> None:
    op.drop_table("keychain_entry")
    op.execute("ALTER TABLE reminder DROP COLUMN sent_to")
