"""A patient anonymised by the retention sweep: when

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07

``patient.anonymised_at`` (NULL: not anonymised). A clinic that keeps statistics
(``retention.lapsed_patients=anonymise``) has the sweep anonymise a lapsed patient
instead of deleting her: her row stays, emptied of everything that identifies her
(``receptionist/retention/anonymise.py``), her appointments stay without their free
text, and this column says so: the sweep does not take her again and the desk shows
"anonymised" in place of a name. Synced (sealed, with the rest of the row), so the
patient's change-feed triggers are re-created with the column: every PC applies the
anonymised row (``replica/records.py``'s ``ADDED``: a record from a PC before 0035
lacks it and is completed with this PC's value).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from receptionist.store.migrations import feed

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

# Frozen copy: the patient's synced columns (beyond id, created_at, updated_at, version,
# deleted_at) before and after this revision.
BEFORE = (
    "number", "given_name", "family_name", "national_id", "birth_date", "gender",
    "phone", "email", "address", "preferred_language", "preferred_channel", "notes",
    "alert", "restricted_at", "restriction_reason",
)  # fmt: skip
AFTER = (*BEFORE, "anonymised_at")


def upgrade() -> None:
    # A plain ADD COLUMN (no table copy): the patient's other triggers stay as they are.
    op.add_column("patient", sa.Column("anonymised_at", sa.BigInteger(), nullable=True))
    feed.install("patient", AFTER)


def downgrade() -> None:
    feed.install("patient", BEFORE)  # first: the triggers name the columns
    op.execute("ALTER TABLE patient DROP COLUMN anonymised_at")
