"""An anonymised patient's kept visits take no words either (#14, session 17's review):
cancelling one (a reason is free text: "her husband rang from 0532 ...") is refused like
every other write to her record, in the core, so the app's history tab, the CLI and a
status change to "cancelled" all stop there; nothing changes."""

from __future__ import annotations

import pytest
from factories import actor_ctx
from sqlalchemy import text
from test_retention_anonymise import NOW, _clinic

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.ops import appointments, retention
from receptionist.ops import settings as settings_ops
from receptionist.privacy.anonymised import Anonymised
from receptionist.store.storage import Database

REASON = "Zebulonia Quixoteson's husband rang from 0532 123 4567"


def _kept_booked_visit(db: Database) -> tuple[Ctx, str]:
    """Zebulonia (test_retention_anonymise) anonymised, one of her kept visits left
    "booked" (never closed at the desk): its id."""
    ctx = actor_ctx("admin", FixedClock(NOW), source="cli")
    _clinic(db, ctx)
    with db.write() as s:
        s.execute(text("UPDATE appointment SET status = 'booked' WHERE id = 'a0'"))
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "anonymise")
    retention.review(db, ctx, db.path.parent)
    assert retention.sweep(db, ctx, db.path.parent).counts[retention.ANONYMISED] == 1
    return ctx, "a0"


def _row(db: Database, appointment_id: str) -> tuple[object, ...]:
    with db.read() as s:
        return tuple(
            s.execute(
                text("SELECT status, cancellation_reason, version FROM appointment WHERE id = :a"),
                {"a": appointment_id},
            ).one()
        )


@pytest.mark.parametrize("how", ["cancel", "set_status"])
def test_a_kept_visit_of_an_anonymised_patient_cannot_be_cancelled_with_a_reason(
    db: Database, how: str
) -> None:
    ctx, visit = _kept_booked_visit(db)
    before = _row(db, visit)
    assert before[:2] == ("booked", "")
    with pytest.raises(Anonymised, match="was anonymised under the retention policy"):
        if how == "cancel":
            appointments.cancel(db, ctx, visit, REASON)
        else:
            appointments.set_status(db, ctx, visit, "cancelled", REASON)
    assert _row(db, visit) == before
    db.checkpoint()
    with db.read() as s:
        found = s.execute(
            text("SELECT count(*) FROM appointment WHERE cancellation_reason LIKE '%0532%'")
        ).scalar_one()
    assert found == 0
