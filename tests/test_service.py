"""`receptionist service` (and its old name `scheduler`): the headless scheduler runs
the core's jobs and the network's (cloud sync, a no-op while this PC is not connected)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path
from select import select as readable

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from factories import actor_ctx
from sqlalchemy import select

from receptionist.cli import main as cli_main
from receptionist.clock import FixedClock
from receptionist.jobs.core import CORE, sweep_now
from receptionist.jobs.netreturn import BACK_GAP, NetworkReturn, on_return
from receptionist.jobs.registry import Every, Job, registry
from receptionist.jobs.runner import Ran
from receptionist.jobs.scheduling import Drift
from receptionist.models import JobLease, JobRun
from receptionist.ops import retention
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic
from sync import service
from sync.cli import main
from sync.jobs import NETWORK_JOBS


def test_service_once_runs_what_is_due_then_nothing(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    capsys.readouterr()
    clock = FixedClock(datetime.now(UTC))
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)
    assert main(["--json", "service", "--once"]) == 0
    ran = json.loads(capsys.readouterr().out)
    assert [(r["job"], r["outcome"]) for r in ran] == [
        ("retention.sweep", "ok"),
        ("backup", "ok"),
        ("cloud.sync", "ok"),
        ("reminders.dispatch", "ok"),
        ("google.sync", "ok"),
    ]
    assert ran[2]["counts"] == {"connected": 0}
    assert ran[4]["counts"] == {"station": 1, "connected": 0}, "no Google account connected"
    assert ran[3]["counts"]["active"] == 0, "reminders are off until the clinic turns them on"
    assert main(["--json", "scheduler", "--once"]) == 0  # the old name: the same command
    assert json.loads(capsys.readouterr().out) == []
    assert main(["service", "--once", "list"]) == 2  # --once is not the catalogue's
    assert "--once runs the background jobs" in capsys.readouterr().err
    assert main(["--json", "service", "list"]) == 0  # the catalogue's actions are as they were
    assert json.loads(capsys.readouterr().out) == []
    assert main(["--json", "jobs", "list"]) == 0  # the network's job is listed too
    listed = json.loads(capsys.readouterr().out)
    assert [j["name"] for j in listed] == [
        "retention.sweep",
        "backup",
        "cloud.sync",
        "reminders.dispatch",
        "google.sync",
    ]

    db = open_clinic(cli_env)  # a person sweeps; then the clock is put back five days
    try:
        person = actor_ctx("admin", clock, source="cli")
        retention.review(db, person, cli_env)  # her dry run first (``need_dry_run``)
        sweep_now(db, person, cli_env)
    finally:
        db.close()
    clock.advance(days=-5)
    assert main(["service", "--data-dir", str(cli_env), "--once", "--json"]) == 0  # a unit's
    swept = next(r for r in json.loads(capsys.readouterr().out) if r["job"] == "retention.sweep")
    assert swept["counts"] == {"clock_behind_days": 5}, "owed at once, and destroyed nothing"
    assert "clock looks wrong" in swept["reason"]
    assert main(["jobs", "list"]) == 0
    assert "The PC's clock looks wrong" in capsys.readouterr().out


def test_the_blocking_scheduler_ticks_at_once_and_stops_on_request(db: Database) -> None:
    scheduler = BlockingScheduler()
    seen: list[Ran] = []
    options: list[tuple[object, bool, int]] = []

    def told(one: Ran) -> None:
        seen.append(one)
        tick = scheduler.get_jobs()[0]
        options.append((tick.misfire_grace_time, tick.coalesce, tick.max_instances))
        if len(seen) == 5:
            scheduler.shutdown(wait=False)

    clock = FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    service.serve(db, clock, registry(CORE, NETWORK_JOBS), told, scheduler)
    assert [(r.job, r.outcome) for r in seen] == [
        ("retention.sweep", "ok"),
        ("backup", "ok"),
        ("cloud.sync", "ok"),
        ("reminders.dispatch", "ok"),
        ("google.sync", "ok"),
    ]
    # No grace limit (APScheduler's default of 1 s skips a late tick), coalesced, single.
    assert options[0] == (None, True, 1)


def test_the_service_re_arms_its_tick_when_the_clock_is_put_back(db: Database) -> None:
    times = {"wall": 1_800_000_000.0, "mono": 500.0}
    drift = Drift(lambda: times["wall"], lambda: times["mono"])
    scheduler = service.Watchful(drift, every=0.01)
    clock = FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    seen: list[Ran] = []

    def told(one: Ran) -> None:
        seen.append(one)
        if len(seen) == 1:
            clock.advance(hours=2)  # the hourly job is owed again...
            times["wall"] -= 3600  # ...and the clock was put back an hour
        else:
            scheduler.shutdown(wait=False)

    hourly = Job("hourly", lambda _db, _clock: {}, Every(60))
    # Only if the re-arming failed: the tick would wait a minute (APScheduler's
    # wall-clock wake-up), so the test ends the service and fails.
    guard = threading.Timer(20, lambda: scheduler.shutdown(wait=False))
    guard.start()
    try:
        service.serve(db, clock, [hourly], told, scheduler)
    finally:
        guard.cancel()
    assert [r.job for r in seen] == ["hourly", "hourly"]


# The service with one job of the test's, which says when it starts and then waits for
# the test to let it finish (a file appearing): Ctrl+C arrives while it runs.
STOPPING_DRIVER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from receptionist.jobs.registry import Every, Job
    import sync.servicecmd as servicecmd

    def slow(db, clock):
        with db.write() as s:  # a write of its own, as a real job makes
            pass
        os.write(2, b"JOB STARTED\\n")
        while not Path(sys.argv[1]).exists():
            time.sleep(0.02)
        with db.read() as s:
            pass
        return {"done": 1}

    servicecmd.JOBS = (Job("slow", slow, Every(60)),)
    servicecmd.CORE = ()
    from sync.cli import main
    sys.exit(main(["service"]))
    """
)


def _service_running_a_job(cli_env: Path, tmp_path: Path) -> subprocess.Popen[str]:
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    child = subprocess.Popen(
        [sys.executable, "-c", STOPPING_DRIVER, str(tmp_path / "let-it-finish")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "RECEPTIONIST_DATA_DIR": str(cli_env)},
    )
    assert child.stderr is not None
    for line in child.stderr:
        if "JOB STARTED" in line:
            return child
    raise AssertionError(f"the job never started: {child.communicate(timeout=30)}")


def _line(child: subprocess.Popen[str]) -> str:
    """The child's next line on stderr, or "" if none comes within half a minute."""
    assert child.stderr is not None
    ready, _, _ = readable([child.stderr], [], [], 30)
    return child.stderr.readline() if ready else ""


def _runs_and_leases(cli_env: Path) -> tuple[list[tuple[str, str]], int]:
    db = open_clinic(cli_env)
    try:
        with db.read() as s:
            runs = [(r.job, r.outcome) for r in s.scalars(select(JobRun))]
            leases = len(list(s.scalars(select(JobLease))))
    finally:
        db.close()
    return runs, leases


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child is POSIX")
def test_ctrl_c_lets_the_running_job_finish_then_stops_in_one_line(
    cli_env: Path, tmp_path: Path
) -> None:
    child = _service_running_a_job(cli_env, tmp_path)
    child.send_signal(signal.SIGINT)
    waiting = _line(child)
    (tmp_path / "let-it-finish").touch()
    out, err = child.communicate(timeout=60)  # before asserting: no child left behind
    assert "Stopping once slow finishes (Ctrl+C again abandons it)." in waiting
    assert child.returncode == 130, (out, err)
    assert err.strip() == "Stopped.", err  # no traceback
    assert "slow: ok" in out
    assert _runs_and_leases(cli_env) == ([("slow", "ok")], 0)


@pytest.mark.skipif(os.name != "posix", reason="SIGINT to a child is POSIX")
def test_a_second_ctrl_c_abandons_the_job_and_lets_its_lease_go(
    cli_env: Path, tmp_path: Path
) -> None:
    child = _service_running_a_job(cli_env, tmp_path)
    child.send_signal(signal.SIGINT)
    if "Stopping once slow finishes" not in _line(child):
        (tmp_path / "let-it-finish").touch()
        raise AssertionError(f"not stopping: {child.communicate(timeout=60)}")
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, (out, err)
    assert err.strip() == "Stopped; slow was abandoned (recorded as interrupted).", err
    assert _runs_and_leases(cli_env) == ([("slow", "interrupted")], 0)


def test_the_network_coming_back_runs_its_jobs_at_once_in_the_service(db: Database) -> None:
    """The service has no Qt: it looks at the network at each wake-up, and when it finds
    it up after finding it down, cloud sync, the reminders and Google sync run now."""
    scheduler = service.Watchful(Drift(), every=0.01)
    clock = FixedClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    seen: list[str] = []  # the network is down until the first tick's jobs have run

    def told(one: Ran) -> None:
        seen.append(one.job)
        if len(seen) == 7:
            scheduler.shutdown(wait=False)

    jobs = [Job(name, lambda _db, _clock: {}, Every(60)) for name in
            ("cloud.sync", "reminders.dispatch", "google.sync", "backup-like")]  # fmt: skip
    guard = threading.Timer(20, lambda: scheduler.shutdown(wait=False))  # only if failing
    guard.start()
    try:
        code = service.serve(db, clock, jobs, told, scheduler, probe=lambda: len(seen) >= 4)
    finally:
        guard.cancel()
    assert code == 0
    assert seen == ["cloud.sync", "reminders.dispatch", "google.sync", "backup-like",
                    "cloud.sync", "reminders.dispatch", "google.sync"]  # fmt: skip


def test_a_flapping_network_runs_the_jobs_once_per_gap() -> None:
    mono = {"now": 100.0}
    network = NetworkReturn(lambda: mono["now"])
    assert not network.seen(True), "the first look only notes the state"
    assert not network.seen(False)
    assert network.seen(True)  # back
    mono["now"] += 3
    assert not network.seen(False) and not network.seen(True), "a flap: not again"
    mono["now"] += BACK_GAP
    assert not network.seen(True), "up all along: not back"
    assert not network.seen(False) and network.seen(True)
    assert [j.name for j in on_return(registry(CORE, NETWORK_JOBS))] == [
        "cloud.sync", "reminders.dispatch", "google.sync"]  # fmt: skip


def test_the_route_probe_sees_loopback_and_nothing_without_a_target() -> None:
    assert service.routed([("127.0.0.1", 9)])
    assert not service.routed([])
