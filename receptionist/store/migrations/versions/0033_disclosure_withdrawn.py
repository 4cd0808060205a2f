"""When a disclosure to Google was withdrawn; the register forgets an erased patient

Revision ID: 0033
Revises: 0030
Create Date: 2026-12-07

``google_disclosure.withdrawn_at`` (models/google.py): when the patient's initials or
name left Google again (her event deleted, or sent again with a title showing less);
NULL while they are still there. Once withdrawn, the row of an erased or swept patient
keeps no id of hers or of her appointment: an anonymous record that names went to
calendar X on date D and were withdrawn on date E (docs/privacy.md, "Google
Calendar"). Local to the file: no change-feed triggers. An index on the appointment's
id: every push to Google withdraws by it (``google/register.withdraw``).

The upgrade fills what the file can tell: a row whose event is gone from Google (its
link ``removed``, or deleted there by the provider) was withdrawn when the link last
changed; then the rows of patients erased or swept are made anonymous as above (the
patient's id emptied; the appointment's too once withdrawn: an event still in Google
keeps it, so its deletion is recorded against the row).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_GONE = (
    "SELECT l.updated_at FROM google_link AS l "
    "WHERE l.appointment_id = google_disclosure.appointment_id "
    "AND l.state IN ('removed', 'deleted_in_google')"
)
_ERASED = (
    "patient_id != '' AND NOT EXISTS (SELECT 1 FROM patient AS p "
    "WHERE p.id = google_disclosure.patient_id AND p.deleted_at IS NULL)"
)


def upgrade() -> None:
    op.add_column("google_disclosure", sa.Column("withdrawn_at", sa.BigInteger(), nullable=True))
    op.create_index("ix_google_disclosure_appointment", "google_disclosure", ["appointment_id"])
    op.execute(f"UPDATE google_disclosure SET withdrawn_at = ({_GONE}) WHERE EXISTS ({_GONE})")
    op.execute(
        "UPDATE google_disclosure SET patient_id = '', appointment_id = CASE WHEN "
        f"withdrawn_at IS NULL THEN appointment_id ELSE '' END WHERE {_ERASED}"
    )


def downgrade() -> None:
    op.drop_index("ix_google_disclosure_appointment", table_name="google_disclosure")
    with op.batch_alter_table("google_disclosure") as batch:
        batch.drop_column("withdrawn_at")
