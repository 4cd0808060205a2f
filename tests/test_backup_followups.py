"""Backups follow-ups (#14, session 17): times in the clinic's time, two restores in one
second keep both set-aside copies, the confirmation of a restore into a hand copy asks
what it does, a restore whose newer backups cannot be moved aside is told as done, and
a failed backup job records its sentence."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from backupclinic import admin, clinic_fixture, genuine_fixture
from factories import CLOCK_START

from receptionist.cli import main as cli_main
from receptionist.cli.main import main
from receptionist.clock import FixedClock, SystemClock
from receptionist.ops import backups
from receptionist.store import lookcopy, setaside
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

genuine = genuine_fixture()
clinic = clinic_fixture()


# -- 2. two restores in one second ---------------------------------------------------


def test_two_restores_in_one_second_keep_both_set_aside_copies(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    made = backups.create(db, admin(clock), root, to=tmp_path / "backups").path
    db.close()
    clock.advance(minutes=5)  # the clock then stands still for both restores
    first = backups.restore(root, made, clock)
    first_bytes = {p.name: p.read_bytes() for p in first.kept_aside}
    second = backups.restore(root, made, clock)

    assert first.kept_aside and second.kept_aside
    assert not set(first.kept_aside) & set(second.kept_aside), "the second overwrote the first"
    for path in first.kept_aside:
        assert path.read_bytes() == first_bytes[path.name], f"{path.name} was replaced"
    # The sweep finds them as two copies, each whole, in the order they were set aside.
    found = setaside.set_aside(root)
    assert len(found) == 2
    assert [c.path for c in found] == [
        next(p for p in first.kept_aside if p.name.startswith("clinic.db.")),
        next(p for p in second.kept_aside if p.name.startswith("clinic.db.")),
    ]
    assert all(c.made_at == clock.now().replace(microsecond=0) for c in found)
    assert {len(c.files) for c in found} == {len(first.kept_aside)}


# -- 1. the clinic's time ------------------------------------------------------------


def _cli(monkeypatch: pytest.MonkeyPatch, root: Path, clock: FixedClock) -> None:
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    monkeypatch.setattr(cli_main, "default_clock", lambda: clock)


def test_backup_list_and_the_restore_line_say_the_clinic_s_time(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic  # Europe/Istanbul: UTC+3
    made = backups.create(db, admin(clock), root).path
    at = clock.now()
    db.close()
    local = f"{at + timedelta(hours=3):%Y-%m-%d %H:%M}"
    utc = f"{at:%Y-%m-%d %H:%M}"
    _cli(monkeypatch, root, clock)
    capsys.readouterr()

    assert main(["backup", "list"]) == 0
    said = capsys.readouterr().out
    assert local in said and utc not in said and "UTC" not in said

    assert main(["backup", "list", "--json"]) == 0
    assert at.isoformat() in capsys.readouterr().out  # --json stays ISO UTC

    clock.advance(minutes=1)
    assert main(["backup", "restore", str(made), "--yes"]) == 0
    said = capsys.readouterr().out
    assert f"Restored the backup of {local} into" in said and "UTC" not in said

    look = tmp_path / "look"
    assert main(["--data-dir", str(look), "backup", "restore", str(made), "--yes"]) == 0
    assert f"Restored the backup of {local} into" in capsys.readouterr().out


def test_the_look_only_refusal_says_the_clinic_s_time(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    made = backups.create(db, admin(clock), root).path
    at = clock.now()
    look = tmp_path / "look"
    backups.restore(look, made, clock)
    copy = open_clinic(look)
    try:
        with pytest.raises(lookcopy.LookOnlyCopy) as refused:
            backups.create(copy, admin(clock), look)
    finally:
        copy.close()
    said = str(refused.value)
    assert f"from the backup of {at + timedelta(hours=3):%Y-%m-%d %H:%M})" in said
    assert "UTC" not in said


def test_a_mark_without_the_clinic_s_zone_still_says_utc(tmp_path: Path) -> None:
    """A copy restored by an earlier version: its mark has no zone; the time is told as
    UTC, saying so."""
    lookcopy.mark(tmp_path, datetime(2026, 12, 1, 9, 30, tzinfo=CLOCK_START.tzinfo), tmp_path,
                  CLOCK_START)  # fmt: skip
    with pytest.raises(lookcopy.LookOnlyCopy, match=r"from the backup of 2026-12-01 09:30 UTC"):
        lookcopy.refuse(tmp_path, lookcopy.NO_BACKUP)


# -- 3. the question for a hand copy -------------------------------------------------


def test_restoring_into_a_hand_copy_asks_for_a_copy_to_look_at(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    made = backups.create(db, admin(clock), root).path
    db.close()
    look = tmp_path / "look"
    backups.restore(look, made, clock)
    open_clinic(look).close()  # its mark is in its file too
    hand = tmp_path / "hand"
    hand.mkdir()
    for name in ("clinic.db", "clinic.keys"):
        shutil.copy2(look / name, hand / name)
    assert not (hand / lookcopy.MARKER).exists()  # copied by hand, without the mark

    asked: list[str] = []

    def answer(question: str) -> str:
        asked.append(question)
        return "no"

    _cli(monkeypatch, hand, clock)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("builtins.input", answer)
    assert main(["backup", "restore", str(made)]) == 1
    assert asked and "as a copy to look at" in asked[0] and "Replace the clinic" not in asked[0]

    # Nobody there to answer: the refusal names a copy too.
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    capsys.readouterr()
    assert main(["backup", "restore", str(made)]) == 2
    said = capsys.readouterr().err
    assert "copy to look at" in said and "replaces the clinic" not in said

    # The clinic itself is still asked whether to replace it.
    _cli(monkeypatch, root, clock)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert main(["backup", "restore", str(made)]) == 1
    assert "Replace the clinic" in asked[-1]


# -- 4. the newer backups cannot be moved aside --------------------------------------


def test_a_restore_whose_newer_backups_cannot_move_is_done_and_says_so(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    made = backups.create(db, admin(clock), root).path
    clock.advance(days=1)  # the next day's: the rotation keeps both
    newer = backups.create(db, admin(clock), root).path
    assert made.exists()
    db.close()
    folder = made.parent
    real = backups.make_private_dir

    def full(path: Path) -> None:
        if path.name.startswith("superseded-"):
            raise PermissionError(13, "Permission denied", str(path))
        real(path)

    monkeypatch.setattr(backups, "make_private_dir", full)
    done = backups.restore(root, made, clock)
    assert done.superseded == [] and newer.exists()
    assert done.not_superseded and str(folder) in done.not_superseded
    assert "Permission denied" in done.not_superseded

    _cli(monkeypatch, root, clock)
    capsys.readouterr()
    assert main(["backup", "restore", str(made), "--yes"]) == 0
    out = capsys.readouterr()
    assert "Restored the backup of" in out.out
    assert str(folder) in out.err and "could not be moved" in out.err
    # The clinic is the restored one: it opens.
    open_clinic(root).close()


# -- 5. the backup job's failure -----------------------------------------------------


def test_a_failed_backup_job_records_the_sentence(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from receptionist.jobs import core, runner
    from receptionist.settings import backups as backup_settings
    from receptionist.settings import pcstore

    root, db = clinic
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    pcstore.write(backup_settings.FOLDER, str(blocker / "backups"))
    db.close()
    _cli(monkeypatch, root, clock)
    capsys.readouterr()
    main(["jobs", "run", "backup"])
    capsys.readouterr()
    assert main(["jobs", "history", "backup", "--json"]) == 0
    history = capsys.readouterr().out
    assert "could not be written in" in history and str(blocker / "backups") in history
    assert "UserError" not in history
    db = open_clinic(root)
    try:
        runs = runner.history(db, clock, core.BACKUP)
    finally:
        db.close()
    assert runs and runs[0].outcome == "failed"
    assert "could not be written in" in runs[0].error


def test_the_earlier_key_refusal_says_the_clinic_s_time(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told by `backup verify` (the clinic open: its zone) and by `backup restore` (no
    clinic open: the zone the backup's manifest kept)."""
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    at = SystemClock().now() - timedelta(days=1)
    db = open_clinic(cli_env)
    try:
        older = backups.create(db, admin(FixedClock(at)), cli_env).path
    finally:
        db.close()
    monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", "the next long passphrase")
    assert main(["--json", "rekey"]) == 0
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "the next long passphrase")
    local = f"{at + timedelta(hours=3):%Y-%m-%d %H:%M}"
    capsys.readouterr()
    assert main(["--json", "backup", "verify", str(older)]) == 3
    problem = json.loads(capsys.readouterr().out)["problem"]
    assert f"of {local} was made under an earlier key" in problem and "UTC" not in problem
    assert main(["--json", "backup", "restore", str(older), "--yes"]) == 3
    error = json.loads(capsys.readouterr().out)["error"]
    assert f"of {local} was made under an earlier key" in error and "UTC" not in error


def test_the_backup_job_run_by_a_person_is_by_hand_its_schedule_s_is_not(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    """``made_by`` follows who asked (#14): the backup job run now by a person (Back up
    now, ``jobs run backup``) makes a backup "by hand"; run for its schedule, or the
    network's return, one of the rotation's (daily/weekly)."""
    from receptionist.jobs import core, runner

    root, db = clinic

    def newest() -> tuple[str, str]:
        found = [b for b in backups.listing(db, admin(clock), root) if b.this_clinic]
        last = max(found, key=lambda b: b.created_at)
        return last.made_by, backups.kinds(db, found)[last.path]

    runner.Runner((core.BACKUP,)).run_now(db, clock, core.BACKUP.name, by_person=True)
    assert newest() == ("person", backups.BY_HAND)
    assert not runner.asked_by_person(), "outside the run, no person is asking"
    clock.advance(days=1)
    runner.Runner((core.BACKUP,)).run_now(db, clock, core.BACKUP.name)  # the network's return
    assert newest() == ("job", backups.DAILY)


def test_forgetting_the_current_folder_names_the_setting_as_settings_does(
    clinic: tuple[Path, Database], clock: FixedClock
) -> None:
    """The refusal is a sentence the app shows (Settings > Backups' places): it names
    the backup folder where Settings has it (``registry.where``), not its CLI key."""
    from receptionist.errors import UserError
    from receptionist.settings import backups as backup_settings
    from receptionist.settings import registry

    root, db = clinic
    with pytest.raises(UserError) as refused:
        backups.forget_place(db, admin(clock), root, backups.folder_for(root))
    said = str(refused.value)
    assert "backup.folder" not in said
    assert str(registry.where(backup_settings.FOLDER)) in said, said
