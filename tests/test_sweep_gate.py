"""Issue #14, the sweep a clinic can rely on and prove: a person's sweep needs a
person's dry run under the policy as it is; the periodic destruction's state (the last
sweep, the nightly sweep waiting, six months without one) is told; every sweep leaves
a destruction record, one that destroyed nothing too, readable and exported as CSV."""

from __future__ import annotations

import csv
import io
import logging
from datetime import timedelta

import pytest
from factories import actor_ctx, make_clinic
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.errors import PermissionDenied
from receptionist.jobs.core import AWAITING_PERSON, sweep_now
from receptionist.jobs.core import sweep as scheduled
from receptionist.ops import retention, sweepstatus
from receptionist.ops import settings as settings_ops
from receptionist.retention import clockcheck, firstdue, records
from receptionist.retention.policy import read as read_policy
from receptionist.store.storage import Database


def _events(db: Database, action: str) -> int:
    with db.read() as s:
        found = s.execute(
            text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
        ).scalar_one()
    return int(found)


def test_a_person_sweeps_only_after_a_dry_run_under_the_policy_as_it_is(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    root = db.path.parent
    fresh = sweepstatus.sweep_status(db, clock)
    assert fresh.last_sweep is None and fresh.overdue and fresh.waiting_for_person
    assert not fresh.dry_run_current and not fresh.could_be_due
    assert fresh.warnings() == [], "a new clinic: nothing can be past its time yet"

    with pytest.raises(retention.DryRunNeeded, match="needs a dry run"):
        sweep_now(db, ctx, root)
    assert _events(db, "sweep") == 0, "refused before anything was written"
    retention.dry_run(db, ctx, root)  # the bare look (a program's) is no person's proof
    assert not retention.sweep_allowed(db)
    system = actor_ctx("admin", clock, source="scheduler")
    retention.review(db, system, root)  # nor is the scheduler's
    assert not retention.sweep_allowed(db)

    plan = retention.review(db, ctx, root)
    assert sum(plan.counts.values()) == 0 and _events(db, "sweep_dry_run") == 2
    swept = sweep_now(db, ctx, root)
    assert swept.records == [], "nothing went: the sweep's records list nothing destroyed"
    kept = retention.destruction_records(db, ctx)
    assert [(r.sweep_id, r.kind, r.count) for r in kept] == [(swept.sweep_id, "nothing", 0)]
    assert "retention.appointment_months=24" in kept[0].policy
    after = sweepstatus.sweep_status(db, clock)
    assert after.last_sweep == clock.now() and not after.overdue and after.warnings() == []
    assert "awaiting_person" not in scheduled(db, clock)
    sweep_now(db, ctx, root)  # the same policy: the dry run still stands

    settings_ops.set_value(db, ctx, "retention.commlog_months", 1)
    assert not retention.sweep_allowed(db)
    with pytest.raises(retention.DryRunNeeded):
        sweep_now(db, ctx, root)
    assert scheduled(db, clock) == {"awaiting_person": 1}
    changed = sweepstatus.sweep_status(db, clock)
    assert changed.waiting_for_person and changed.warnings() == [], "nothing can be due"
    later = FixedClock(clock.now() + timedelta(days=200))  # past every shortest period
    assert sweepstatus.sweep_status(db, later).warnings()[0] == sweepstatus.WAITING
    retention.review(db, ctx, root)
    assert retention.sweep_allowed(db)


def test_six_months_without_a_sweep_are_told_and_the_records_export(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    root = db.path.parent
    retention.review(db, ctx, root)
    first = sweep_now(db, ctx, root)
    later = FixedClock(clock.now() + timedelta(days=200))
    status = sweepstatus.sweep_status(db, later)
    assert status.overdue and not status.waiting_for_person
    day = f"{clock.now():%Y-%m-%d}"
    assert [str(w) for w in status.warnings()] == [
        str(clockcheck.Doubt(clockcheck.GAP_KEY, 200).text),  # why the nightly one waits
        f"No retention sweep has run in the last six months (the last: {day}). KVKK asks "
        "for a destruction at least every six months: sweep in Settings > Retention.",
    ]
    # The nightly sweep after 200 days without one doubts the clock (``clockcheck``): a
    # person's sweep (the dry run under this policy still stands) is the way out.
    assert scheduled(db, later) == {clockcheck.GAP_KEY: 200}
    sweep_now(db, Ctx(ctx.actor, later), root)
    assert sweepstatus.sweep_status(db, later).warnings() == []

    every = retention.destruction_records(db, actor_ctx("admin", later))
    assert [r.sweep_id for r in every][1] == first.sweep_id and len(every) == 2
    since = retention.destruction_records(db, ctx, since=later.now() - timedelta(days=1))
    assert [r.at for r in since] == [later.now()]
    rows = list(csv.reader(io.StringIO(records.as_csv(every))))
    assert rows[0] == ["at", "sweep_id", "kind", "count", "policy"]
    assert rows[2][:4] == [clock.now().isoformat(), first.sweep_id, "nothing", "0"]
    with pytest.raises(PermissionDenied):
        retention.destruction_records(db, actor_ctx("receptionist", clock))


def test_the_clocks_doubt_is_told_where_the_sweep_s_state_is(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """The nightly sweep that destroys nothing for the clock's doubt waits for a person:
    ``sweep status``, Settings > Retention and the status bar say so, not "on time"."""
    root = db.path.parent
    retention.review(db, ctx, root)
    sweep_now(db, ctx, root)
    later = FixedClock(clock.now() + timedelta(days=20))  # a gap, not six months
    assert scheduled(db, later) == {clockcheck.GAP_KEY: 20}
    gap = sweepstatus.sweep_status(db, later)
    assert not gap.overdue and gap.clock_doubt == clockcheck.Doubt(clockcheck.GAP_KEY, 20)
    assert gap.warnings() == [clockcheck.Doubt(clockcheck.GAP_KEY, 20).text]
    earlier = FixedClock(clock.now() - timedelta(days=5))  # the clock put back
    behind = sweepstatus.sweep_status(db, earlier)
    told = [str(clockcheck.Doubt(clockcheck.BEHIND_KEY, 5).text)]
    assert [str(w) for w in behind.warnings()] == told
    sweep_now(db, Ctx(ctx.actor, later), root)  # a person's sweep is the way out
    assert sweepstatus.sweep_status(db, later).warnings() == []


def test_a_clinic_set_up_under_a_clock_ahead_is_not_taken_for_a_new_one(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    """The first-day rule (``firstdue``) counts the clinic's start from its first audit
    event: one stamped while the clock was ahead must not keep the warning quiet once
    the clock is right (final read): a start later than now, or any audit event older
    than the shortest period, could be due."""
    root = db.path.parent
    with db.write() as s:
        make_clinic(s, ctx)  # its row and first audit event, stamped now

    def could_be_due(at: FixedClock) -> bool:
        with db.read() as s:
            return firstdue.could_be_due(s, read_policy(s, at.now()), root)

    assert not could_be_due(clock), "a new clinic"
    assert could_be_due(FixedClock(clock.now() - timedelta(days=365))), "set up a year ahead"
    earlier = Ctx(ctx.actor, FixedClock(clock.now() - timedelta(days=300)))
    retention.review(db, earlier, root)  # work stamped once the clock was put right
    assert could_be_due(clock), "an audit event older than the shortest period"


def test_a_change_back_to_a_reviewed_policy_still_waits_for_a_person(
    db: Database, ctx: Ctx
) -> None:
    """The policy a person reviewed is shared with the clinic's other PCs (the
    ``retention.review`` mark); a change of it, even back, needs a person again."""
    retention.review(db, ctx, db.path.parent)
    retention.sweep(db, ctx, db.path.parent)
    assert AWAITING_PERSON not in scheduled(db, ctx.clock)
    settings_ops.set_value(db, ctx, "retention.commlog_months", 6)
    settings_ops.set_value(db, ctx, "retention.commlog_months", 12)
    assert scheduled(db, ctx.clock) == {AWAITING_PERSON: 1}
    assert not retention.sweep_allowed(db)


def test_the_headless_sweep_says_loudly_that_it_waits(
    db: Database, ctx: Ctx, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="receptionist.jobs.core"):
        assert scheduled(db, ctx.clock) == {AWAITING_PERSON: 1}
    said = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert said and "dry run" in said[0].getMessage() and "any PC" in said[0].getMessage()
