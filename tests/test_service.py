"""`receptionist scheduler`: the headless scheduler runs the core's jobs and the
network's (cloud sync, a no-op while this PC is not connected)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler

from receptionist.clock import FixedClock
from receptionist.jobs.core import CORE
from receptionist.jobs.registry import registry
from receptionist.jobs.runner import Ran
from receptionist.store.storage import Database
from sync import service
from sync.cli import main
from sync.jobs import NETWORK_JOBS


def test_service_once_runs_what_is_due_then_nothing(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["--json", "scheduler", "--once"]) == 0
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
    assert main(["--json", "scheduler", "--once"]) == 0
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
