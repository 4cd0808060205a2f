"""A daily job whose run failed without doing its work (the backup folder's share
unplugged, its disk full) is owed again after a backoff the same day, not only at
the next day's slot (#14, session 18's review); the Jobs page's next run says when.
A run that did its part and found a problem is not run again."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from receptionist.clock import Clock, FixedClock
from receptionist.jobs import runner as jobs
from receptionist.jobs.registry import Daily, Job
from receptionist.jobs.runner import Problem, Runner
from receptionist.retention.policy import SWEEP_HOUR
from receptionist.store.storage import Database

# The sweep hour's default slot, 03:00 UTC (the clinic's zone defaults to UTC).
SLOT = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def flaky(outcomes: list[str]) -> tuple[Job, list[str]]:
    """A daily job that fails (raises) while ``outcomes`` says "fail", and finds a
    problem after doing its part for "problem"."""
    calls: list[str] = []

    def work(db: Database, clock: Clock) -> Mapping[str, int]:
        what = outcomes.pop(0) if outcomes else "ok"
        calls.append(what)
        if what == "fail":
            raise OSError(5, "share unplugged")
        if what == "problem":
            raise Problem("the log was rewritten", {"bytes": 10})
        return {"bytes": 10}

    return Job("nightly", work, Daily(SWEEP_HOUR)), calls


def test_a_failed_daily_run_is_retried_after_a_growing_wait_until_it_succeeds(
    db: Database,
) -> None:
    job, calls = flaky(["fail", "fail", "fail", "fail"])
    runner = Runner([job])
    clock = FixedClock(SLOT + timedelta(hours=9))  # 12:00
    assert [r.outcome for r in runner.run_due(db, clock)] == ["failed"]
    assert runner.run_due(db, clock) == []  # not at once
    assert jobs.status(db, clock, [job])[0].next_due == clock.now() + timedelta(minutes=15)

    for wait in (15, 30, 60):
        clock.advance(minutes=wait - 1)
        assert runner.run_due(db, clock) == [], f"retried before {wait} minutes"
        clock.advance(minutes=1)
        assert [r.outcome for r in runner.run_due(db, clock)] == ["failed"]
    status = jobs.status(db, clock, [job])[0]
    assert status.next_due == clock.now() + timedelta(hours=1)  # hourly from now on
    clock.advance(hours=1)
    assert [r.outcome for r in runner.run_due(db, clock)] == ["ok"]
    assert calls == ["fail"] * 4 + ["ok"]
    # done for the day: next at tomorrow's slot
    assert runner.run_due(db, clock) == []
    assert jobs.status(db, clock, [job])[0].next_due == SLOT + timedelta(days=1)


def test_retries_stop_at_the_next_slot_which_is_owed_as_ever(db: Database) -> None:
    job, calls = flaky(["fail"] * 40)
    runner = Runner([job])
    clock = FixedClock(SLOT + timedelta(hours=23, minutes=50))  # 02:50 the next day
    assert [r.outcome for r in runner.run_due(db, clock)] == ["failed"]
    # the retry would come at 03:05: the next slot, 03:00, comes first
    assert jobs.status(db, clock, [job])[0].next_due == SLOT + timedelta(days=1)
    clock.advance(minutes=10)
    ran = runner.run_due(db, clock)
    assert [r.outcome for r in ran] == ["failed"]
    assert calls == ["fail", "fail"]


def test_a_run_that_did_its_part_and_found_a_problem_is_not_run_again(db: Database) -> None:
    job, calls = flaky(["problem"])
    runner = Runner([job])
    clock = FixedClock(SLOT + timedelta(hours=9))
    assert [r.outcome for r in runner.run_due(db, clock)] == ["failed"]
    clock.advance(hours=6)
    assert runner.run_due(db, clock) == []
    assert jobs.status(db, clock, [job])[0].next_due == SLOT + timedelta(days=1)
    assert calls == ["problem"]


def test_a_person_s_sweep_that_failed_leaves_the_nightly_one_owed_again(db: Database) -> None:
    """A person's sweep is recorded as the sweep job's run, marked ``by_person``; one that
    failed did none of its work either, so the nightly sweep is tried again after the
    wait, not left for tomorrow (a reviewer's finding)."""
    from receptionist.jobs.core import BY_PERSON

    job, calls = flaky([])
    clock = FixedClock(SLOT + timedelta(hours=9))
    with db.write() as s:
        jobs.record(s, job, clock.now(), clock.now(), "failed", {BY_PERSON: 1}, "OSError")
    status = jobs.status(db, clock, [job])[0]
    assert status.next_due == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=15)
    assert [r.outcome for r in Runner([job]).run_due(db, clock)] == ["ok"]
    assert calls == ["ok"]
