"""`receptionist service` (and its old name `scheduler`): the headless scheduler runs
the core's jobs and the network's (cloud sync, a no-op while this PC is not connected)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler
from factories import actor_ctx

from receptionist.cli import main as cli_main
from receptionist.clock import FixedClock
from receptionist.jobs.core import CORE, sweep_now
from receptionist.jobs.registry import Every, Job, registry
from receptionist.jobs.runner import Ran
from receptionist.jobs.scheduling import Drift
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
