"""The cloud endpoint's signature over an audit checkpoint, and its pinned key

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07

In a clinic that syncs, the retention sweep cuts the audit log's oldest events only
behind a checkpoint the cloud endpoint signed (Ed25519) after checking it against
the newest anchor it holds of this PC (docs/privacy.md, "Keeping audit events for a
limited time"). ``audit_checkpoint`` keeps the signature and the key that made it;
``audit_notary`` the endpoint's public key this PC pinned when it connected, joined,
or (a PC joined before) at its next round, and the audit event of the pinning.
Local tables: no change-feed triggers (the audit log is not synced).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch.add_column(sa.Column("signed_by", sa.String(length=64), nullable=True))
    op.create_table(
        "audit_notary",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("pinned_at", sa.BigInteger(), nullable=False),
        sa.Column("pinned_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_notary")),
    )


def downgrade() -> None:
    op.drop_table("audit_notary")
    with op.batch_alter_table("audit_checkpoint") as batch:
        batch.drop_column("signed_by")
        batch.drop_column("signature")
