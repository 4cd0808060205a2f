"""An anonymising sweep deletes the patient's bookings the endpoint refused as the
endpoint's doing, as a pull does (#14, session 17's review): the endpoint never took
them, so no deletion of them is pushed (before, the sweep logged them as this PC's
deletions, tombstones for rows the endpoint never held)."""

from __future__ import annotations

from factories import actor_ctx
from sqlalchemy import text
from test_retention_anonymise import NOW, _clinic

from receptionist.clock import FixedClock
from receptionist.ops import retention
from receptionist.ops import settings as settings_ops
from receptionist.store.storage import Database


def test_her_refused_booking_goes_without_a_pushed_deletion(db: Database) -> None:
    ctx = actor_ctx("admin", FixedClock(NOW), source="cli")
    root = db.path.parent
    _clinic(db, ctx)
    with db.write() as s:  # a1 is one the endpoint refused (version 0 in its base)
        s.execute(text("INSERT INTO sync_base (entity, row_id, version, payload)"
                       " VALUES ('appointment', 'a1', 0, '{}')"))  # fmt: skip
        before = s.execute(text("SELECT max(seq) FROM change_log")).scalar_one()
    settings_ops.set_value(db, ctx, "retention.lapsed_patients", "anonymise")
    retention.review(db, ctx, root)
    swept = retention.sweep(db, ctx, root)
    assert swept.counts[retention.ANONYMISED] == 1
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM appointment WHERE id = 'a1'")).scalar() == 0
        found = s.execute(
            text("SELECT kind, origin FROM change_log WHERE seq > :n AND entity = 'appointment'"
                 " AND row_id = 'a1'"),
            {"n": before},
        ).all()  # fmt: skip
    assert found, "the deletion is in the feed (every reader of it hears of it)"
    assert [tuple(r) for r in found if r.origin is None] == [], "pushed as this PC's"
