"""A person's review of the retention policy (a dry run, then a sweep) on one PC of a
clinic that syncs counts for every PC (#14): the policy is the clinic's, synced, so
each PC's nightly sweep then follows it, its local-only data (delivery logs, reminder
rows, backups) included, without a second person on each PC. A change of the policy
on any PC makes every PC wait for a person again, a change back to the reviewed one
included."""

from __future__ import annotations

import pytest
from faultkit import Pc
from sqlalchemy import text

from receptionist.clock import FixedClock
from receptionist.jobs.core import AWAITING_PERSON, sweep_now
from receptionist.jobs.core import sweep as scheduled
from receptionist.ops import retention, sweepstatus
from receptionist.ops import settings as settings_ops
from sync import cloud


def _sync(clock: FixedClock, *pcs: Pc) -> None:
    for pc in pcs:
        cloud.sync_once(pc.db, clock)


def _waits(pc: Pc, clock: FixedClock) -> bool:
    return sweepstatus.sweep_status(pc.db, clock).waiting_for_person


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_review_on_one_pc_lets_every_pcs_nightly_sweep_go(
    two_pcs: list[Pc], database_url: str, clock: FixedClock
) -> None:
    a, b = two_pcs
    settings_ops.set_value(a.db, a.admin(), "retention.commlog_months", 6)
    _sync(clock, a, b)
    assert scheduled(b.db, clock) == {AWAITING_PERSON: 1}, "nobody reviewed it anywhere"
    assert _waits(b, clock)

    retention.review(a.db, a.admin(), a.root)  # A's manager: the dry run, then the sweep
    sweep_now(a.db, a.admin(), a.root)
    _sync(clock, a, b)

    assert not _waits(b, clock)
    assert retention.sweep_allowed(b.db), "B's person may sweep now too, as its scheduler"
    assert AWAITING_PERSON not in scheduled(b.db, clock)  # B's own sweep ran
    with b.db.read() as s:
        source = s.execute(
            text("SELECT source FROM audit_event WHERE action = 'sweep' ORDER BY seq DESC")
        ).scalar()
    assert source == "scheduler"

    settings_ops.set_value(b.db, b.admin(), "retention.commlog_months", 3)  # changed on B
    _sync(clock, b, a)
    for pc in (a, b):
        assert scheduled(pc.db, clock) == {AWAITING_PERSON: 1}, pc.root.name
    settings_ops.set_value(b.db, b.admin(), "retention.commlog_months", 6)  # and back
    _sync(clock, b, a)
    for pc in (a, b):
        assert scheduled(pc.db, clock) == {AWAITING_PERSON: 1}, pc.root.name
