"""`sweep [--dry-run]`, `patient hold|unhold` and `jobs list|run|history` through the CLI."""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from factories import actor_ctx, make_provider, make_service, weekdays
from templates import Template, cli_commands, cli_env_for, make_template

from receptionist.cli import main as cli_main
from receptionist.cli.main import main
from receptionist.clock import FixedClock, SystemClock
from receptionist.jobs import lease
from receptionist.jobs.core import SWEEP
from receptionist.journal import notary
from receptionist.ops import auditwait, commlog, patients, retention
from receptionist.schedule import booking
from receptionist.store.vault import open_clinic

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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
    return old_patients(root, 1)[0]


def old_patients(root: Path, n: int) -> list[str]:
    """``n`` patients made three years ago, never seen since: their numbers."""
    db = open_clinic(root)
    try:
        then = actor_ctx("admin", FixedClock(SystemClock().now() - timedelta(days=3 * 365)))
        made = [patients.add(db, then, patients.NewPatient("Old", f"Timer{i}")) for i in range(n)]
        return [p.number for p in made]  # type: ignore[union-attr]
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

    code, held = run(capsys, "patient", "hold", number, "--reason", "court case", "--kind", "legal")
    assert code == 0 and held["kind"] == "legal"  # type: ignore[index]
    code, plan = run(capsys, "sweep", "--dry-run")
    assert plan["counts"]["patient"] == 0 and plan["patients"] == []  # type: ignore[index]
    assert plan["held"] == 1  # type: ignore[index]
    code, swept = run(capsys, "sweep", "--yes")  # after the dry runs above
    assert code == 0 and swept["records"] == []  # type: ignore[index]
    assert main(["patient", "hold", number, "--reason", " "]) == 2
    assert "reason" in capsys.readouterr().err

    assert run(capsys, "patient", "unhold", number)[0] == 0
    assert main(["patient", "unhold", number]) != 0
    capsys.readouterr()
    code, swept = run(capsys, "sweep", "--yes")
    assert code == 0 and swept["counts"]["patient"] == 1  # type: ignore[index]
    assert {"kind": "patient", "count": 1} in [
        {k: r[k] for k in ("kind", "count")}
        for r in swept["records"]  # type: ignore[index]
    ]
    assert main(["patient", "show", number]) != 0  # gone
    capsys.readouterr()

    code, jobs = run(capsys, "jobs", "list")
    assert code == 0
    # The person's sweeps above are the sweep job's runs (#14; this said None, "never
    # ran", after two sweeps: the bug session 17 fixed).
    assert [(j["name"], j["outcome"]) for j in jobs] == [  # type: ignore[union-attr]
        ("retention.sweep", "ok"),
        ("backup", None),
    ]
    assert jobs[0]["counts"]["by_person"] == 1  # type: ignore[index]
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
    assert main(["sweep", "--dry-run"]) == 0
    capsys.readouterr()
    assert main(["sweep", "--yes"]) == 3
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
    assert main(["sweep", "--dry-run"]) == 0
    capsys.readouterr()
    assert main(["sweep", "--yes"]) == 0
    shown = capsys.readouterr().out
    assert "Nothing was past its time" in shown and "Waiting" not in shown
    code, swept = run(capsys, "sweep", "--yes")
    assert code == 0 and swept["audit_waiting"] == 0  # type: ignore[index]
    assert swept["audit_waiting_why"] is None  # type: ignore[index]
    db = open_clinic(cli_env)
    try:  # the scheduled sweep (a person swept: it may run) counts no waiting either
        assert retention.reviewed(db)
        counts = SWEEP.work(db, SystemClock())
    finally:
        db.close()
    assert not [k for k in counts if k.startswith("audit_waiting")], counts


@contextlib.contextmanager
def terminal(typed: str) -> Iterator[None]:
    """stdin a real terminal (a pseudo-terminal) on which ``typed`` waits to be read."""
    main_fd, other_fd = os.openpty()
    os.write(main_fd, typed.encode())
    try:
        with open(other_fd, encoding="utf-8") as tty, pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdin", tty)
            yield
    finally:
        os.close(main_fd)


def test_the_cli_sweep_asks_or_needs_yes_after_a_dry_run_of_the_policy_as_it_is(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made.copy_to(cli_env)
    number = old_patient(cli_env)
    code, status = run(capsys, "sweep", "status")
    assert code == 0 and status["waiting_for_person"] and status["last_sweep"] is None  # type: ignore[index]
    assert "waiting for a person" in status["warnings"][0]  # type: ignore[index]
    assert main(["sweep"]) == 2  # no terminal, no --yes
    assert "no terminal to ask on" in capsys.readouterr().err
    assert main(["sweep", "--yes"]) == 2  # --yes, but no dry run
    assert "receptionist sweep --dry-run" in capsys.readouterr().err
    assert main(["patient", "show", number]) == 0, "nothing was swept"
    capsys.readouterr()
    assert run(capsys, "sweep", "--dry-run")[0] == 0
    assert main(["settings", "set", "retention.commlog_months", "6"]) == 0
    capsys.readouterr()
    assert main(["sweep", "--yes"]) == 2, "the policy changed after the dry run"
    assert "needs a dry run" in capsys.readouterr().err

    with terminal("no\n"):
        assert main(["sweep"]) == 2
    said = capsys.readouterr().err
    assert "would destroy" in said and "Type yes" in said and "nothing was swept" in said
    # the clinic's time, as `sweep status` says it (session 17: it said UTC)
    assert re.search(r"sweep now \(\d{4}-\d\d-\d\d \d\d:\d\d by this PC's clock\)", said)
    assert main(["patient", "show", number]) == 0
    capsys.readouterr()
    with terminal("yes\n"):
        code, swept = run(capsys, "sweep")
    assert code == 0 and swept["counts"]["patient"] == 1  # type: ignore[index]
    assert main(["patient", "show", number]) != 0  # gone
    capsys.readouterr()

    code, status = run(capsys, "sweep", "status")
    assert status["warnings"] == [] and status["last_sweep"] >= swept["at"]  # type: ignore[index]
    code, listed = run(capsys, "sweep", "records", "--since", swept["at"][:10])  # type: ignore[index]
    found = listed["records"]  # type: ignore[index]
    assert code == 0 and {"kind": "patient", "count": 1} in [
        {k: r[k] for k in ("kind", "count")}
        for r in found  # type: ignore[union-attr]
    ]
    assert all(r["sweep_id"] == swept["sweep_id"] for r in found)  # type: ignore[union-attr, index]
    assert all(r["in_log"] is True for r in found)  # type: ignore[union-attr, index]
    assert "Timer" not in json.dumps(found) and number not in json.dumps(found)
    assert main(["sweep", "records", "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "at,sweep_id,kind,count,policy" and len(lines) == len(found) + 1  # type: ignore[arg-type]
    assert run(capsys, "sweep", "records", "--since", "2999-01-01")[1]["records"] == []  # type: ignore[index]
    assert main(["sweep", "records", "--since", "June"]) == 2
    assert "--since" in capsys.readouterr().err


def test_a_sweep_with_yes_meets_the_clock_check_unless_the_date_was_checked(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``sweep --yes`` (a cron job's, Task Scheduler's) shows nobody the date: while the
    clock looks wrong it sweeps nothing, as the nightly sweep does (#14), and exits 2
    naming --clock-checked; with that word it sweeps."""
    import receptionist.cli.main as cli_main

    made.copy_to(cli_env)
    capsys.readouterr()
    assert main(["sweep", "--dry-run"]) == 0
    assert main(["sweep", "--yes"]) == 0  # the first sweep: no log to doubt the clock by
    number = old_patient(cli_env)
    later = FixedClock(SystemClock().now() + timedelta(days=20))  # the PC off, or a typo
    monkeypatch.setattr(cli_main, "default_clock", lambda: later)
    assert main(["sweep", "--dry-run"]) == 0
    capsys.readouterr()
    code, said = run(capsys, "sweep", "--yes")
    assert code == 2 and said["field"] == "clock-checked"  # type: ignore[index]
    assert "the last retention sweep was 20 days ago" in said["error"]  # type: ignore[index]
    assert "run it again with --clock-checked" in said["error"]  # type: ignore[index]
    assert main(["patient", "show", number]) == 0, "nothing was swept"
    capsys.readouterr()
    code, swept = run(capsys, "sweep", "--yes", "--clock-checked")
    assert code == 0 and swept["counts"]["patient"] == 1  # type: ignore[index]
    assert main(["patient", "show", number]) != 0  # gone


def test_the_cli_sets_anonymisation_and_the_sweep_anonymises(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    """``settings set retention.lapsed_patients anonymise`` through the registry (issue
    #14); a wrong word is refused naming the option; the sweep then anonymises."""
    made.copy_to(cli_env)
    number = old_patient(cli_env)
    assert main(["settings", "set", "retention.lapsed_patients", "forget"]) == 2
    assert "Lapsed patients must be one of: delete, anonymise" in capsys.readouterr().err
    assert main(["settings", "set", "retention.lapsed_patients", "anonymise"]) == 0
    capsys.readouterr()
    code, plan = run(capsys, "sweep", "--dry-run")
    assert code == 0 and plan["counts"][retention.ANONYMISED] == 1  # type: ignore[index]
    assert plan["counts"]["patient"] == 0  # type: ignore[index]
    code, swept = run(capsys, "sweep", "--yes")
    assert code == 0 and swept["counts"][retention.ANONYMISED] == 1  # type: ignore[index]
    kinds = [{k: r[k] for k in ("kind", "count")} for r in swept["records"]]  # type: ignore[index]
    assert {"kind": retention.ANONYMISED, "count": 1} in kinds, "the record says anonymised"
    assert not [r for r in kinds if r["kind"] == "patient"], "no patient was deleted"
    assert main(["patient", "show", number]) != 0, "her number is no more"


def test_the_cli_shows_an_anonymised_patient_by_her_number_and_refuses_her_export(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    """``patient show ANON-…`` finds her and says she was anonymised (before, an
    ``ANON-`` number was refused as a short id, and by her id she showed as a number and
    a blank name); ``patient export`` and ``patient erase`` are refused, exit 2, saying
    why and writing nothing (before, the export wrote a "patient record" to hand to a
    patient nobody is)."""
    made.copy_to(cli_env)
    old_patient(cli_env)
    assert main(["settings", "set", "retention.lapsed_patients", "anonymise"]) == 0
    assert main(["sweep", "--dry-run"]) == 0 and main(["sweep", "--yes"]) == 0
    capsys.readouterr()
    db = open_clinic(cli_env)
    try:
        with db.read() as s:
            [(number,)] = (
                s.connection()
                .exec_driver_sql("SELECT number FROM patient WHERE anonymised_at IS NOT NULL")
                .all()
            )
    finally:
        db.close()
    assert main(["patient", "show", number.lower()]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(number) and "anonymised on " in first, first
    code, shown = run(capsys, "patient", "show", number)
    assert code == 0 and shown["number"] == number  # type: ignore[index]
    assert shown["anonymised_at"] and shown["given_name"] == ""  # type: ignore[index]
    out = cli_env.parent / "copy.zip"
    assert main(["patient", "export", number, "--to", str(out)]) == 2
    assert "nothing to export" in capsys.readouterr().err and not out.exists()
    assert main(["patient", "erase", number, "--yes"]) == 2
    assert "nothing to erase" in capsys.readouterr().err
    assert main(["patient", "show", number]) == 0, "still there"


def test_the_sweep_s_question_names_twenty_patients_and_counts_the_rest(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    """At a terminal the question before a sweep must be readable: the counts, the
    first 20 patients, then how many more and where the whole list is (the dry run,
    which still lists them all)."""
    made.copy_to(cli_env)
    numbers = old_patients(cli_env, 23)
    capsys.readouterr()
    with terminal("no\n"):
        assert main(["sweep"]) == 2
    said = capsys.readouterr().err
    named = [n for n in numbers if re.search(rf"^  {n} ", said, re.M)]
    assert len(named) == 20 and re.search(r"^  patient +23 ", said, re.M)
    assert "... and 3 more: `receptionist sweep --dry-run` lists them all." in said
    assert said.rstrip().endswith("nothing was swept.") and "Type yes" in said
    assert main(["sweep", "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert all(re.search(rf"^  {n} ", listed, re.M) for n in numbers) and "more:" not in listed


def test_a_new_clinic_hears_of_the_waiting_sweep_only_once_something_could_be_due(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A brand-new clinic holds nothing older than its shortest retention period: the
    nightly sweep waiting for a person's first sweep loses nothing, and nobody is told
    (``sweep status``, the status bar, Settings > Retention read the same). Told once
    the clinic is older than the shortest period, or holds older history."""
    import receptionist.cli.main as cli_main

    made.copy_to(cli_env)
    code, status = run(capsys, "sweep", "status")
    assert code == 0 and status["waiting_for_person"] and status["warnings"] == []  # type: ignore[index]
    assert status["could_be_due"] is False  # type: ignore[index]
    assert main(["sweep", "status"]) == 0
    assert "Nothing can be past its time yet" in capsys.readouterr().out
    later = FixedClock(SystemClock().now() + timedelta(days=200))  # past backups' 180 days
    with monkeypatch.context() as patch:
        patch.setattr(cli_main, "default_clock", lambda: later)
        code, status = run(capsys, "sweep", "status")
    assert "waiting for a person" in status["warnings"][0]  # type: ignore[index]
    db = open_clinic(cli_env)
    try:  # history entered with its own date: a call 13 months ago
        ctx = actor_ctx("admin", SystemClock())
        made_now = patients.add(db, ctx, patients.NewPatient("New", "Comer"))
        when = SystemClock().now() - timedelta(days=400)
        commlog.add(db, ctx, made_now.id, channel="phone", direction="in",  # type: ignore[union-attr]
                    summary="asked", occurred_at=when)  # fmt: skip
    finally:
        db.close()
    code, status = run(capsys, "sweep", "status")
    assert status["could_be_due"] and "waiting for a person" in status["warnings"][0]  # type: ignore[index]


def test_jobs_history_through_the_cli(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    """`jobs history NAME`: the runs kept of one job, newest first, as `jobs list`
    words its last run; `--limit` the newest N; an unknown job or limit is refused."""
    made.copy_to(cli_env)
    code, none = run(capsys, "jobs", "history", "backup")
    assert code == 0 and none == {"name": "backup", "trigger": "daily at backup.hour", "runs": []}
    for _ in range(2):
        assert run(capsys, "jobs", "run", "backup")[0] == 0
    assert run(capsys, "jobs", "run", "retention.sweep")[0] == 0  # no person swept yet
    code, kept = run(capsys, "jobs", "history", "backup")
    runs = kept["runs"]  # type: ignore[index]
    assert code == 0 and [r["outcome"] for r in runs] == ["ok", "ok"]
    assert runs[0]["started"] >= runs[1]["started"] and runs[0]["counts"]["bytes"] > 0
    assert runs[0]["error"] is None and runs[0]["did_nothing"] is False
    assert runs[0]["due"] <= runs[0]["started"] and runs[0]["after_pause"] is False, "run by hand"
    code, newest = run(capsys, "jobs", "history", "backup", "--limit", "1")
    assert newest["runs"] == runs[:1]  # type: ignore[index]

    assert main(["jobs", "history", "retention.sweep"]) == 0
    said = capsys.readouterr().out
    # the clinic's time, as `jobs list` says it (session 17: it said UTC)
    assert "UTC" not in said and "waiting for a person's first sweep" in said
    assert main(["jobs", "history", "nothing"]) == 2
    assert "no job called nothing" in capsys.readouterr().err
    assert main(["jobs", "history", "backup", "--limit", "0"]) == 2
    assert "--limit" in capsys.readouterr().err


def test_jobs_list_and_sweep_status_show_the_next_run_in_clinic_time_never_past(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The auditor's case: at 19:33 (Istanbul) the nightly sweep, owed since its hour,
    read "next: 2026-12-07 00:00 UTC", a time gone by, in UTC."""
    made.copy_to(cli_env)
    clock = FixedClock(datetime(2026, 12, 7, 16, 33, tzinfo=UTC))  # 19:33 in Istanbul
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)
    istanbul = ZoneInfo("Europe/Istanbul")
    code, ran = run(capsys, "jobs", "run", "backup")
    assert code == 0 and ran["outcome"] == "ok"  # type: ignore[index]
    code, jobs = run(capsys, "jobs", "list")
    by_name = {j["name"]: j for j in jobs}  # type: ignore[union-attr]
    sweep, backup = by_name["retention.sweep"], by_name["backup"]
    assert sweep["owed"] and sweep["next_due"] == clock.now().isoformat()  # JSON: UTC
    assert not backup["owed"] and backup["next_due"] > clock.now().isoformat()
    tomorrow = datetime.fromisoformat(backup["next_due"]).astimezone(istanbul)
    assert main(["jobs", "list"]) == 0
    listed = capsys.readouterr().out
    assert "next: due now (the next tick runs it)" in listed.splitlines()[0]
    assert f"last: 2026-12-07 19:33 ok; next: {tomorrow:%Y-%m-%d %H:%M}" in listed
    assert "UTC" not in listed

    assert main(["sweep", "status"]) == 0
    said = capsys.readouterr().out
    assert "Nightly sweep next due: due now (the next tick runs it)" in said
    code, status = run(capsys, "sweep", "status")
    assert status["nightly"]["owed"] and status["nightly"]["next_due"] == clock.now().isoformat()  # type: ignore[index]


def test_jobs_history_sweep_records_and_the_sweep_s_question_say_clinic_time(
    cli_env: Path,
    made: Template[None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """#14, session 17: `jobs history`, `sweep records` and the question before a sweep
    said UTC (22:30 on the 7th) while `jobs list` and `sweep status` say the clinic's
    time (01:30 on the 8th in Istanbul); `--since` is the clinic's day as the lines
    show it. --json (and --csv) keep ISO 8601 in UTC, as `jobs list --json` does."""
    made.copy_to(cli_env)
    clock = FixedClock(datetime(2026, 12, 7, 22, 30, 15, tzinfo=UTC))  # 01:30:15 on the 8th
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)
    assert run(capsys, "jobs", "run", "backup")[0] == 0
    assert main(["jobs", "history", "backup"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("2026-12-08 01:30:15  to 01:30:15  ok"), said
    assert "UTC" not in said
    code, kept = run(capsys, "jobs", "history", "backup")
    assert kept["runs"][0]["started"] == clock.now().isoformat()  # type: ignore[index]

    with terminal("yes\n"):
        assert main(["sweep"]) == 0
    asked = capsys.readouterr().err
    assert "A sweep now (2026-12-08 01:30 by this PC's clock) would destroy" in asked, asked
    assert "UTC" not in asked
    assert main(["sweep", "records"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("2026-12-08 01:30  "), listed
    assert "UTC" not in listed
    code, listed = run(capsys, "sweep", "records", "--since", "2026-12-08")
    found = listed["records"]  # type: ignore[index]
    assert code == 0 and found and all(r["at"] == clock.now().isoformat() for r in found)  # type: ignore[union-attr, index]
    assert run(capsys, "sweep", "records", "--since", "2026-12-09")[1]["records"] == []  # type: ignore[index]
    assert main(["sweep", "records", "--csv"]) == 0
    assert clock.now().isoformat() in capsys.readouterr().out  # for an inspector: UTC


def test_appointment_list_and_show_name_an_anonymised_patient_s_kept_visit(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    """A visit an anonymised patient keeps for statistics is listed and shown with her
    ``ANON-`` number and "anonymised", as ``patient show`` names her (session 16's
    closing note said ``"patient": null``; session 16's ``names.display_name`` had
    already made it so: this pins it, JSON and text)."""
    made.copy_to(cli_env)
    db = open_clinic(cli_env)
    try:
        then = actor_ctx("admin", FixedClock(SystemClock().now() - timedelta(days=3 * 365)))
        old = patients.add(db, then, patients.NewPatient("Old", "Timer"))
        with db.write() as s:
            doctor = make_provider(s, then, "Dr Aksoy", weekdays(("00:00", "23:59"), days=DAYS))
            service = make_service(s, then, "Check-up", 30)
            start = then.clock.now().replace(hour=9, minute=0, second=0, microsecond=0)
            start += timedelta(days=7 - start.weekday() + 2)  # a Wednesday, 12:00 there
            visit = booking.book(s, then, patient_id=old.id, provider_id=doctor.id,
                                 service_id=service.id, start=start).id  # fmt: skip
            day = start.astimezone(ZoneInfo("Europe/Istanbul")).date()
    finally:
        db.close()
    assert main(["settings", "set", "retention.lapsed_patients", "anonymise"]) == 0
    assert main(["sweep", "--dry-run"]) == 0 and main(["sweep", "--yes"]) == 0
    capsys.readouterr()
    code, shown = run(capsys, "appointment", "show", visit)
    assert code == 0, shown
    number = shown["patient_number"]  # type: ignore[index]
    assert number.startswith("ANON-") and shown["patient"] == "anonymised"  # type: ignore[index]
    code, listed = run(capsys, "appointment", "list", "--date", day.isoformat())
    assert code == 0
    [row] = [r for r in listed if r["id"] == visit]  # type: ignore[union-attr]
    assert (row["patient_number"], row["patient"]) == (number, "anonymised")
    assert main(["appointment", "show", visit]) == 0
    assert re.search(r"^name:\s+anonymised$", capsys.readouterr().out, re.M)


def test_the_dry_run_and_the_sweep_count_the_same_kinds(
    cli_env: Path, made: Template[None], capsys: pytest.CaptureFixture[str]
) -> None:
    """`sweep --dry-run --json` and `sweep --json` name their counts alike: every kind
    of the core's one vocabulary (``retention.KINDS``), in its order, zero included, so a
    script compares what would go with what went key by key."""
    made.copy_to(cli_env)
    old_patient(cli_env)
    capsys.readouterr()
    code, plan = run(capsys, "sweep", "--dry-run")
    assert code == 0
    code, swept = run(capsys, "sweep", "--yes")
    assert code == 0
    would, went = plan["counts"], swept["counts"]  # type: ignore[index]
    assert list(would) == list(went) == list(retention.KINDS)
    assert "destruction_record" in would and "delivery_log" in went and "reminder" in went
    assert would["patient"] == went["patient"] == 1
    assert would["destruction_record"] == went["destruction_record"] == 0
