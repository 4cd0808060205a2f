"""Issue #14: a person's sweep (Settings > Retention's "Sweep now", ``receptionist
sweep``) is a run of the retention sweep job, so Settings > Jobs, ``jobs list`` and
``jobs history`` say it ran, as the Retention page and ``sweep status`` do, instead of
the nightly sweep's "waiting for a person" until its next run."""

from __future__ import annotations

from datetime import timedelta

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.jobs import due
from receptionist.jobs.core import AWAITING_PERSON, BY_PERSON, SWEEP, sweep_now
from receptionist.jobs.runner import Runner, history, status
from receptionist.ops import retention, sweepstatus
from receptionist.store.storage import Database


def test_a_person_s_sweep_is_the_sweep_job_s_last_run(
    db: Database, ctx: Ctx, clock: FixedClock
) -> None:
    root = db.path.parent
    Runner([SWEEP]).run_due(db, clock)  # the nightly sweep: it waits for a person
    (waiting,) = status(db, clock, [SWEEP])
    assert waiting.counts == {AWAITING_PERSON: 1}

    later = FixedClock(clock.now() + timedelta(hours=2))
    person = Ctx(ctx.actor, later)
    retention.review(db, person, root)
    swept = sweep_now(db, person, root)

    (last,) = status(db, later, [SWEEP])
    assert last.outcome == "ok" and AWAITING_PERSON not in last.counts
    assert last.counts.get(BY_PERSON) == 1, "told apart from the scheduler's runs"
    assert last.last_started == later.now() and last.last_ended == later.now()
    assert not last.running, "the lease was let go"
    assert sweepstatus.sweep_status(db, later).last_sweep == swept.at
    runs = history(db, later, SWEEP)
    assert [r.counts.get(BY_PERSON, 0) for r in runs] == [1, 0]
    with db.read() as s:  # it stands for today's slot: the next nightly run is tomorrow's
        assert due.due(s, SWEEP, later.now()) is None
        assert due.next_due(s, SWEEP, later.now()) > later.now()
    assert Runner([SWEEP]).run_due(db, later) == [], "the nightly sweep is not owed again"
