"""Moving the nightly sweep's hour is no change of the retention policy (#14, session
17's review): it changes when the sweep runs, not what goes, so the nightly sweep goes
on without a person's dry run, on this PC and on every PC that shares the review; a
change of what goes still stops it. The policy a person reviews and the settings whose
change needs a person again are one list (``policy.WHOLE``)."""

from __future__ import annotations

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs.core import AWAITING_PERSON
from receptionist.jobs.core import sweep as scheduled
from receptionist.ops import retention
from receptionist.ops import settings as settings_ops
from receptionist.retention import policy, review
from receptionist.settings import clinicstore
from receptionist.settings.registry import all_settings
from receptionist.store.storage import Database


def test_moving_the_sweep_hour_keeps_the_nightly_sweep_going(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    root = db.path.parent
    retention.review(db, ctx, root)
    retention.sweep(db, ctx, root)
    with db.read() as s:
        shared = clinicstore.value(s, review.REVIEWED)
    assert shared and AWAITING_PERSON not in scheduled(db, clock)

    settings_ops.set_value(db, ctx, "retention.sweep_hour", 4)

    assert retention.reviewed(db) and AWAITING_PERSON not in scheduled(db, clock)
    with db.read() as s:
        assert clinicstore.value(s, review.REVIEWED) == shared, "the review stays shared"
    settings_ops.set_value(db, ctx, "retention.commlog_months", 6)  # what goes: a person
    assert AWAITING_PERSON in scheduled(db, clock)
    with db.read() as s:
        assert clinicstore.value(s, review.REVIEWED) == ""


def test_every_retention_setting_but_the_hour_is_the_policy() -> None:
    group = {s.key for s in all_settings() if s.group == "retention"}
    assert group - {s.key for s in policy.WHOLE} == {policy.SWEEP_HOUR.key}
