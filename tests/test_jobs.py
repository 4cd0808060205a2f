"""Background jobs: what is due comes from the database and the clock; a PC that was
off catches up once; one runner of a job at a time, across Database objects."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from receptionist.clock import Clock, FixedClock
from receptionist.context import Ctx
from receptionist.jobs import runner as jobs
from receptionist.jobs.core import CORE, SWEEP, SweepRunning, sweep_now, sweep_running
from receptionist.jobs.registry import Daily, Every, Job, counted_nothing, registry
from receptionist.jobs.runner import Runner
from receptionist.models import JobRun
from receptionist.ops import retention
from receptionist.ops import settings as settings_ops
from receptionist.retention.policy import SWEEP_HOUR
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

# 2026-03-02 is a Monday; the clinic's zone defaults to UTC unless set.
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def counting(name: str, trigger: Daily | Every, calls: list[str]) -> Job:
    def work(db: Database, clock: Clock) -> Mapping[str, int]:
        calls.append(name)
        return {"calls": calls.count(name)}

    return Job(name, work, trigger)


def test_a_pc_off_for_days_runs_each_job_once_on_its_return(db: Database, ctx) -> None:
    clock = FixedClock(MONDAY_10)
    calls: list[str] = []
    extra = (counting("every5", Every(5), calls),)
    runner = Runner(registry(CORE, extra))
    first = runner.run_due(db, clock)
    assert [r.job for r in first] == ["retention.sweep", "backup", "every5"]
    assert all(r.outcome == "ok" for r in first), [r.error for r in first]
    assert runner.run_due(db, clock) == []  # nothing owed a second time

    clock.advance(days=3, hours=2)  # off over three sweep and backup hours
    again = runner.run_due(db, clock)
    assert [r.job for r in again] == ["retention.sweep", "backup", "every5"]
    assert runner.run_due(db, clock) == []
    assert calls == ["every5", "every5"]
    backups = sorted((db.path.parent / "backups").glob("*.rcbackup"))
    assert len(backups) == 2  # one a run, not one per missed day


def test_a_daily_job_is_due_from_its_hour_in_the_clinic_time(db: Database, ctx) -> None:
    settings_ops.set_value(db, ctx, "clinic.timezone", "Europe/Istanbul")  # UTC+3
    settings_ops.set_value(db, ctx, SWEEP_HOUR.key, 3)
    calls: list[str] = []
    job = counting("nightly", Daily(SWEEP_HOUR), calls)
    runner = Runner([job])
    clock = FixedClock(datetime(2026, 3, 2, 0, 30, tzinfo=UTC))  # 03:30 in Istanbul
    assert len(runner.run_due(db, clock)) == 1
    clock.set(datetime(2026, 3, 2, 23, 59, tzinfo=UTC))  # 02:59 the next day
    assert runner.run_due(db, clock) == []
    status = jobs.status(db, clock, [job])[0]
    assert status.next_due == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    clock.set(datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 03:00
    assert len(runner.run_due(db, clock)) == 1
    assert calls == ["nightly", "nightly"]


def test_a_failing_job_is_recorded_without_its_message_and_the_others_run(db: Database) -> None:
    def broken(db: Database, clock: Clock) -> Mapping[str, int]:
        raise ValueError("Ayşe Yılmaz")  # a message that must not be stored

    calls: list[str] = []
    runner = Runner([Job("broken", broken, Every(5)), counting("fine", Every(5), calls)])
    clock = FixedClock(MONDAY_10)
    ran = runner.run_due(db, clock)
    assert [(r.job, r.outcome) for r in ran] == [("broken", "failed"), ("fine", "ok")]
    shown = jobs.status(db, clock, runner.jobs)[0]
    assert shown.outcome == "failed" and shown.error.startswith("ValueError at ")
    assert "Ayşe" not in shown.error


@pytest.fixture
def second(db: Database) -> Iterator[Database]:
    """Another Database on the same file: the app and `receptionist scheduler`."""
    other = open_clinic(db.path.parent)
    yield other
    other.close()


def test_two_runners_at_once_run_a_job_once(db: Database, second: Database) -> None:
    inside, finish = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(db: Database, clock: Clock) -> Mapping[str, int]:
        calls.append("slow")
        inside.set()
        assert finish.wait(10)
        return {}

    job = Job("slow", slow, Every(5))
    clock = FixedClock(MONDAY_10)
    first, other = Runner([job], holder="app"), Runner([job], holder="service")
    results: list[list[jobs.Ran]] = []
    thread = threading.Thread(target=lambda: results.append(first.run_due(db, clock)))
    thread.start()
    try:
        assert inside.wait(10)
        assert other.run_due(second, clock) == []  # claimed by the first
        assert other.run_now(second, clock, "slow") is None  # "Run now" waits its turn too
        assert jobs.status(second, clock, [job])[0].running
    finally:
        finish.set()
        thread.join(10)
    assert [r.outcome for r in results[0]] == ["ok"]
    assert other.run_due(second, clock) == []  # done: not due again for five minutes
    assert calls == ["slow"]


def test_a_claim_left_by_a_dead_runner_lapses(db: Database, second: Database) -> None:
    calls: list[str] = []
    job = counting("job", Every(5), calls)
    clock = FixedClock(MONDAY_10)
    dead = Runner([job], holder="dead")
    assert dead._claim(db, clock, job, False) is not None  # claimed, then the process died
    alive = Runner([job], holder="alive")
    assert alive.run_due(second, clock) == []
    clock.advance(minutes=job.lease_minutes + 1)
    assert [r.outcome for r in alive.run_due(second, clock)] == ["ok"]
    history = jobs.status(second, clock, [job])[0]
    assert history.outcome == "ok" and calls == ["job"]


def test_a_claim_left_while_the_clock_was_ahead_lapses_once_it_is_right(db: Database, ctx) -> None:
    """A runner that died while the clock was a year ahead left a claim lapsing a year
    on: once the clock is corrected it must not hold the job (nor a person's sweep) for
    that year; no claim outlives the job's own lease from now."""
    calls: list[str] = []
    job = counting("dispatch", Every(1), calls)
    ahead = FixedClock(MONDAY_10.replace(year=2027))
    assert Runner([job], holder="dead")._claim(db, ahead, job, False) is not None
    assert Runner([SWEEP], holder="dead")._claim(db, ahead, SWEEP, True) is not None
    clock = FixedClock(MONDAY_10)  # corrected
    assert not sweep_running(db, clock) and not jobs.status(db, clock, [job])[0].running
    assert [r.outcome for r in Runner([job]).run_due(db, clock)] == ["ok"]
    retention.review(db, Ctx(ctx.actor, clock), db.path.parent)
    assert sweep_now(db, Ctx(ctx.actor, clock), db.path.parent).batches == 0


def test_run_now_runs_a_job_that_is_not_due(db: Database) -> None:
    calls: list[str] = []
    runner = Runner([counting("job", Every(60), calls)])
    clock = FixedClock(MONDAY_10)
    runner.run_due(db, clock)
    assert runner.run_due(db, clock) == []
    ran = runner.run_now(db, clock, "job")
    assert ran is not None and ran.counts == {"calls": 2}


def test_a_persons_sweep_waits_for_the_scheduled_sweeps_lease(db: Database, ctx) -> None:
    clock = FixedClock(MONDAY_10)
    person = Ctx(ctx.actor, clock)
    scheduler = Runner(CORE, holder="scheduler")
    retention.review(db, person, db.path.parent)  # a person's dry run: a sweep may follow
    assert scheduler._claim(db, clock, SWEEP, True) is not None  # the nightly sweep runs
    assert sweep_running(db, clock)
    with pytest.raises(SweepRunning, match="already running"):
        sweep_now(db, person, db.path.parent)
    scheduler._finish(db, SWEEP, 1, "ok", {}, "", clock.now())
    assert not sweep_running(db, clock)
    swept = sweep_now(db, person, db.path.parent)
    assert swept.batches == 0 and not sweep_running(db, clock)  # its own lease let go
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM job_lease")).scalar_one() == 0


def test_job_names_are_unique() -> None:
    with pytest.raises(ValueError, match="backup"):
        registry(CORE, [Job("backup", lambda db, clock: {}, Every(1))])


def test_the_record_of_runs_is_bounded(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "KEEP_RUNS", 3)
    monkeypatch.setattr(jobs, "KEEP_WORK", 0)  # every run here counts something
    runner = Runner([counting("job", Every(1), [])])
    clock = FixedClock(MONDAY_10)
    for _ in range(6):
        runner.run_now(db, clock, "job")
        clock.advance(minutes=1)
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM job_run")).scalar_one() == 3


def test_a_clock_set_back_then_forward_runs_nothing_twice(db: Database) -> None:
    """A PC whose clock was wrong (or that woke from sleep): each tick asks the
    database, so nothing needs re-arming and nothing runs twice for one slot."""
    calls: list[str] = []
    runner = Runner([counting("nightly", Daily(SWEEP_HOUR), calls)])
    clock = FixedClock(MONDAY_10)
    assert len(runner.run_due(db, clock)) == 1
    clock.set(MONDAY_10.replace(day=1))  # set back a day: Monday's run is in the future
    assert len(runner.run_due(db, clock)) == 1  # so it proves nothing: Sunday's slot runs
    assert runner.run_due(db, clock) == []
    clock.set(MONDAY_10.replace(hour=23))  # forward again, same day: Monday's slot is done
    assert runner.run_due(db, clock) == []
    clock.set(MONDAY_10.replace(day=3, hour=4))  # the next slot
    assert len(runner.run_due(db, clock)) == 1
    assert calls == ["nightly"] * 3


def test_a_clock_put_back_an_hour_keeps_an_every_minute_job_running(db: Database) -> None:
    """The auditor's case: a dispatch-like job run at 10:00, then the clock is put back
    to 09:00. The run "at 10:00" must not hold the job back for an hour."""
    calls: list[str] = []
    job = counting("dispatch", Every(1), calls)
    runner = Runner([job])
    clock = FixedClock(MONDAY_10)
    assert len(runner.run_due(db, clock)) == 1
    clock.set(MONDAY_10.replace(hour=9))
    assert jobs.status(db, clock, [job])[0].next_due <= clock.now()
    assert len(runner.run_due(db, clock)) == 1  # at once
    assert runner.run_due(db, clock) == []  # and then once a minute, as before
    clock.advance(minutes=1)
    assert len(runner.run_due(db, clock)) == 1
    clock.advance(seconds=30)
    assert runner.run_due(db, clock) == []
    with db.read() as s:  # the record keeps the times as they were stamped
        stamped = s.execute(text("SELECT count(*) FROM job_run")).scalar_one()
    assert stamped == 3 and calls == ["dispatch"] * 3


def test_a_daily_job_run_a_year_ahead_runs_again_once_the_clock_is_right(
    db: Database,
) -> None:
    """The auditor's case: a backup made while the clock was a year ahead; the clock is
    corrected. The next slots run, and the Jobs list says so (not "tomorrow", a year on)."""
    calls: list[str] = []
    job = counting("nightly", Daily(SWEEP_HOUR), calls)
    runner = Runner([job])
    clock = FixedClock(MONDAY_10.replace(year=2027))
    assert len(runner.run_due(db, clock)) == 1
    clock.set(MONDAY_10)  # corrected
    shown = jobs.status(db, clock, [job])[0]
    assert shown.next_due <= MONDAY_10 and shown.last_started == clock.now().replace(year=2027)
    assert len(runner.run_due(db, clock)) == 1  # today's slot, at once
    assert runner.run_due(db, clock) == []
    tomorrow = jobs.status(db, clock, [job])[0].next_due
    assert MONDAY_10 < tomorrow < MONDAY_10.replace(day=3, hour=10)
    for day in (3, 4, 5):  # and each day after, at its slot
        clock.set(MONDAY_10.replace(day=day))
        assert len(runner.run_due(db, clock)) == 1
    assert calls == ["nightly"] * 5


def test_the_nightly_sweep_destroys_nothing_while_the_clock_looks_wrong(
    db: Database, ctx: Ctx
) -> None:
    """A clock behind what the file recorded, or a long gap since the last sweep: the
    scheduled sweep waits for a person and says why; a person's sweep is the way out."""
    from receptionist.jobs.core import sweep as scheduled
    from receptionist.retention import clockcheck

    def sweeps() -> int:
        with db.read() as s:
            return int(
                s.execute(text("SELECT count(*) FROM audit_event WHERE action = 'sweep'")).scalar()
            )

    clock = FixedClock(MONDAY_10)
    person = Ctx(ctx.actor, clock)
    retention.review(db, person, db.path.parent)  # a person's dry run, then her sweep
    sweep_now(db, person, db.path.parent)
    clock.advance(days=1)
    assert "clock_behind_days" not in scheduled(db, clock)  # the nightly sweep ran...
    assert sweeps() == 2
    clock.advance(days=-5)  # ...then the clock is put back (or had been ahead)
    assert scheduled(db, clock) == {clockcheck.BEHIND_KEY: 5}
    clock.advance(days=3)  # within two days of the newest work: a slow clock is no doubt
    assert clockcheck.BEHIND_KEY not in scheduled(db, clock)
    assert sweeps() == 3
    clock.advance(days=-10)  # the log since that sweep (its own event) is 10 days ahead
    refused = scheduled(db, clock)
    assert sweeps() == 3, "nothing swept"
    said = clockcheck.reason(dict(refused))
    assert said is not None and "clock looks wrong" in said and "10 days" in said
    sweep_now(db, person, db.path.parent)  # a person checked the date and swept
    assert scheduled(db, clock).keys().isdisjoint({clockcheck.BEHIND_KEY, clockcheck.GAP_KEY})

    clock.advance(days=15)  # off for two weeks, or a jump ahead: a person decides
    assert scheduled(db, clock) == {clockcheck.GAP_KEY: 15}
    assert scheduled(db, clock) == {clockcheck.GAP_KEY: 15}, "a refusal is no sweep"
    sweep_now(db, person, db.path.parent)
    assert clockcheck.GAP_KEY not in scheduled(db, clock)
    assert clockcheck.reason({"gone": 1}) is None


def scripted(name: str, script: list[str]) -> Job:
    """A job whose runs, in turn, fail ("fail"), find nothing to do ("idle": its only
    count is how things stand) or do something ("work")."""

    def work(db: Database, clock: Clock) -> Mapping[str, int]:
        what = script.pop(0)
        if what == "fail":
            raise KeyError("Ayse Yilmaz")  # a message with patient data: never recorded
        return {"active": 1, "sent": int(what == "work")}

    return Job(name, work, Every(1), quiet=counted_nothing("active"))


def test_a_minute_job_keeps_its_older_runs_that_did_something_or_failed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job that runs every minute mostly finds nothing due: the record keeps its
    newest runs whatever they were, and, older than those, the newest that did
    something and the newest that failed; so its history is not all "nothing due"."""
    monkeypatch.setattr(jobs, "KEEP_RUNS", 3)
    monkeypatch.setattr(jobs, "KEEP_WORK", 2)
    monkeypatch.setattr(jobs, "KEEP_FAILED", 1)
    plan = ["work", "fail", "work", "idle", "fail", "work", "idle"] + ["idle"] * 6
    script = list(plan)
    runner = Runner([scripted("dispatch", script)])
    clock = FixedClock(MONDAY_10)
    for _ in plan:
        runner.run_due(db, clock)
        clock.advance(minutes=1)
    assert script == []
    with db.read() as s:
        kept = s.execute(select(JobRun.started_at, JobRun.outcome).order_by(JobRun.id)).all()
    minutes = [(at - MONDAY_10) // timedelta(minutes=1) for at, _outcome in kept]
    # minutes 2 and 5 did something, 4 was the last failure, 10-12 the newest three
    assert minutes == [2, 4, 5, 10, 11, 12]
    assert [outcome for _at, outcome in kept] == ["ok", "failed", "ok", "ok", "ok", "ok"]


def test_the_history_of_a_job_newest_first_with_what_each_run_counted(
    db: Database, second: Database
) -> None:
    script = ["work", "fail", "idle", "idle"]
    job = scripted("dispatch", script)
    runner = Runner([job])
    clock = FixedClock(MONDAY_10)
    for _ in range(4):
        runner.run_due(db, clock)
        clock.advance(minutes=1)
    # a runner that died mid-run (another process): its claim lapses, its run stays "running"
    assert Runner([job], holder="dead")._claim(second, clock, job, True) is not None
    runs = jobs.history(db, clock, job)
    assert [(r.outcome, r.quiet) for r in runs] == [
        ("running", False), ("ok", True), ("ok", True), ("failed", False), ("ok", False),
    ]  # fmt: skip
    assert runs[-1].counts == {"active": 1, "sent": 1} and runs[-1].ended_at is not None
    assert runs[3].error.startswith("KeyError") and "Ayse" not in runs[3].error
    assert [r.started_at for r in jobs.history(db, clock, job, limit=2)] == [
        r.started_at for r in runs[:2]]  # fmt: skip
    clock.advance(minutes=job.lease_minutes + 1)  # no runner holds it any more
    assert jobs.history(db, clock, job, limit=1)[0].outcome == "interrupted"
    assert jobs.history(db, clock, Job("other", job.work, Every(1))) == []


def test_the_network_jobs_say_which_runs_did_nothing() -> None:
    from sync.jobs import CLOUD_SYNC, GOOGLE_SYNC, REMINDERS

    assert REMINDERS.quiet({"active": 1, "planned": 0, "sent": 0, "needs_attention": 0})
    assert not REMINDERS.quiet({"active": 1, "sent": 2})
    assert not REMINDERS.quiet({"active": 1, "needs_attention": 1, "credentials_refused_sms": 1})
    assert CLOUD_SYNC.quiet({"connected": 0})
    assert CLOUD_SYNC.quiet({"connected": 1, "pushed": 0, "pulled": 0})
    assert not CLOUD_SYNC.quiet({"connected": 1, "pulled": 4})
    assert GOOGLE_SYNC.quiet({"station": 0})
    assert GOOGLE_SYNC.quiet({"station": 1, "connected": 1, "ok": 1, "requests": 3})
    assert not GOOGLE_SYNC.quiet({"station": 1, "connected": 1, "ok": 0, "requests": 1})
    assert not GOOGLE_SYNC.quiet({"station": 1, "connected": 1, "needs_reconnect": 1})
    assert not GOOGLE_SYNC.quiet({"station": 1, "connected": 1, "ok": 1, "created": 2})


def test_the_runs_around_a_pause_are_kept_and_the_first_after_it_says_so(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PC was off (or asleep) for an hour: of the runs that did nothing, the last
    before the pause and the first after it stay past the newest, so the history
    shows the gap; the first after it began long after it was due."""
    monkeypatch.setattr(jobs, "KEEP_RUNS", 3)
    script = ["idle"] * 16
    job = scripted("dispatch", script)
    runner = Runner([job])
    clock = FixedClock(MONDAY_10)
    for minute in [*range(5), *range(60, 71)]:  # minutes 0-4, then the PC is off till 60
        clock.set(MONDAY_10 + timedelta(minutes=minute))
        assert len(runner.run_due(db, clock)) == 1
    runs = jobs.history(db, clock, job)
    minutes = [(r.started_at - MONDAY_10) // timedelta(minutes=1) for r in runs]
    assert minutes == [70, 69, 68, 60, 4]
    assert [r.after_pause for r in runs] == [False, False, False, True, False]
    assert runs[3].due_at == MONDAY_10 + timedelta(minutes=5), "due a minute after 10:04"
    assert all(r.quiet for r in runs)
