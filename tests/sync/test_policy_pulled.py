"""A change of the retention policy made on another PC holds this PC's sweeps back as
one made here does (``retention.review``): the nightly sweep waits for a person's sweep,
a person's sweep for a person's dry run, under the policy as it now is, until a
person's dry run and sweep under it on any PC of the clinic."""

from __future__ import annotations

import pytest
from faultkit import Pc

from receptionist.jobs.core import sweep as scheduled
from receptionist.ops import retention
from receptionist.ops import settings as settings_ops
from sync import cloud


def _swept_by_a_person(pc: Pc) -> None:
    retention.review(pc.db, pc.admin(), pc.db.path.parent)
    retention.sweep(pc.db, pc.admin(), pc.db.path.parent)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_policy_changed_on_another_pc_waits_for_a_person_here(
    two_pcs: list[Pc], database_url: str
) -> None:
    a, b = two_pcs
    settings_ops.set_value(a.db, a.admin(), "retention.commlog_months", 6)  # the row made
    for pc in (a, b):
        cloud.sync_once(pc.db, pc.ctx.clock)
        _swept_by_a_person(pc)
    assert retention.sweep_allowed(b.db) and retention.reviewed(b.db)
    settings_ops.set_value(a.db, a.admin(), "retention.commlog_months", 1)  # the row changed
    for pc in (a, b):
        cloud.sync_once(pc.db, pc.ctx.clock)
    assert not retention.sweep_allowed(b.db), "no person has seen the new policy"
    assert scheduled(b.db, b.ctx.clock) == {"awaiting_person": 1}
    _swept_by_a_person(a)  # A's person saw the change there
    for pc in (a, b):
        cloud.sync_once(pc.db, pc.ctx.clock)
    assert retention.reviewed(a.db), "A's own change, come back, is no new change"
    # A person's review on one PC counts for every PC (``retention.review.shared``).
    assert retention.sweep_allowed(b.db) and retention.reviewed(b.db)
