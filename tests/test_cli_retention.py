"""`sweep [--dry-run]`, `patient hold|unhold` and `jobs list|run` through the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from factories import actor_ctx
from templates import Template, cli_commands, cli_env_for, make_template

from receptionist.cli.main import main
from receptionist.clock import FixedClock, SystemClock
from receptionist.jobs import lease
from receptionist.jobs.core import SWEEP
from receptionist.journal import notary
from receptionist.ops import auditwait, patients, retention
from receptionist.store.vault import open_clinic

INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """A clinic as ``init`` makes it (in the ``cli_env`` environment, as each test made
    it before), made once for the module; each test copies it into ``cli_env``."""
    root = tmp_path_factory.mktemp("retention") / "clinic"
    return make_template(root, cli_commands(INIT), env=cli_env_for(root))


def run(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, object]:
    code = main(["--json", *words])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def old_patient(root: Path) -> str:
    """A patient made three years ago, never seen since: past the default policy."""
    db = open_clinic(root)
    try:
        then = FixedClock(SystemClock().now() - timedelta(days=3 * 365))
        made = patients.add(db, actor_ctx("admin", then), patients.NewPatient("Old", "Timer"))
        return made.number  # type: ignore[union-attr]
    finally:
        db.close()


def test_sweep_hold_and_jobs_through_the_cli(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made.copy_to(cli_env)
    number = old_patient(cli_env)
    capsys.readouterr()

    code, plan = run(capsys, "sweep", "--dry-run")
    assert code == 0 and plan["dry_run"] and plan["counts"]["patient"] == 1  # type: ignore[index]
    assert [p["number"] for p in plan["patients"]] == [number]  # type: ignore[index]

    assert run(capsys, "patient", "hold", number, "--reason", "court case")[0] == 0
    code, plan = run(capsys, "sweep", "--dry-run")
    assert plan["counts"]["patient"] == 0 and plan["patients"] == []  # type: ignore[index]
    code, swept = run(capsys, "sweep")
    assert code == 0 and swept["records"] == []  # type: ignore[index]
    assert main(["patient", "hold", number, "--reason", " "]) == 2
    assert "reason" in capsys.readouterr().err

    assert run(capsys, "patient", "unhold", number)[0] == 0
    assert main(["patient", "unhold", number]) != 0
    capsys.readouterr()
    code, swept = run(capsys, "sweep")
    assert code == 0 and swept["counts"]["patient"] == 1  # type: ignore[index]
    assert {"kind": "patient", "count": 1} in [
        {k: r[k] for k in ("kind", "count")}
        for r in swept["records"]  # type: ignore[index]
    ]
    assert main(["patient", "show", number]) != 0  # gone
    capsys.readouterr()

    code, jobs = run(capsys, "jobs", "list")
    assert code == 0
    assert [(j["name"], j["outcome"]) for j in jobs] == [  # type: ignore[union-attr]
        ("retention.sweep", None),
        ("backup", None),
    ]
    code, ran = run(capsys, "jobs", "run", "backup")
    assert code == 0 and ran["outcome"] == "ok"  # type: ignore[index]
    code, jobs = run(capsys, "jobs", "list")
    backup = next(j for j in jobs if j["name"] == "backup")  # type: ignore[union-attr]
    assert backup["outcome"] == "ok" and backup["counts"]["bytes"] > 0
    assert main(["jobs", "run", "nothing"]) == 2
    assert "no job called nothing" in capsys.readouterr().err


def test_a_receptionist_may_not_sweep(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made.copy_to(cli_env)
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    assert main(["user", "add", "deniz", "--role", "receptionist"]) == 0
    capsys.readouterr()
    assert main(["--user", "deniz", "sweep", "--dry-run"]) == 2
    assert "Only a manager or an administrator can sweep" in capsys.readouterr().err


def test_sweep_exits_3_while_another_sweep_holds_the_lease(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    made.copy_to(cli_env)
    number = old_patient(cli_env)
    db = open_clinic(cli_env)
    try:
        with db.write() as s:
            assert lease.take(s, SWEEP.name, "the-nightly-sweep", SystemClock().now(), 60)
    finally:
        db.close()
    capsys.readouterr()
    assert main(["sweep"]) == 3
    assert "A retention sweep is already running" in capsys.readouterr().err
    assert main(["patient", "show", number]) == 0, "nothing was swept"


def test_sweep_says_waiting_only_when_something_waits(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A PC that pinned an endpoint's key and keeps no sync state: no signature would
    come for a cut (``not_syncing``), but nothing is past its time, so neither the text
    nor the JSON speaks of waiting."""
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    db = open_clinic(cli_env)
    try:
        with db.write() as s:
            assert notary.pin(s, actor_ctx("admin", SystemClock()), "A" * 43 + "=")
        assert auditwait.why(db) is not None  # the reason a cut would wait stands
    finally:
        db.close()
    capsys.readouterr()
    assert main(["sweep"]) == 0
    shown = capsys.readouterr().out
    assert "Nothing was past its time" in shown and "Waiting" not in shown
    code, swept = run(capsys, "sweep")
    assert code == 0 and swept["audit_waiting"] == 0  # type: ignore[index]
    assert swept["audit_waiting_why"] is None  # type: ignore[index]
    db = open_clinic(cli_env)
    try:  # the scheduled sweep (a person swept: it may run) counts no waiting either
        assert retention.reviewed(db)
        counts = SWEEP.work(db, SystemClock())
    finally:
        db.close()
    assert not [k for k in counts if k.startswith("audit_waiting")], counts
