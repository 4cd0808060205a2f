"""Backups: whole or absent, checked, rotated, restored only into their own clinic, and
the audit log's anchor kept in each, so a log rewritten since is found at the next one."""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from backupclinic import admin, clinic_fixture
from factories import CLOCK_START
from sqlalchemy import text
from tamper import genuine_clinic, rechain, seq_of
from templates import Template, make_template

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.context import Actor, Ctx
from receptionist.errors import PermissionDenied, ReceptionistError, UserError
from receptionist.ops import backupplaces as places
from receptionist.ops import backups
from receptionist.ops.patients import NewPatient, add, erasure_plan, find
from receptionist.settings import backups as settings
from receptionist.settings import pcstore
from receptionist.store import backup as files
from receptionist.store.storage import Database
from receptionist.store.vault import clinic_id, open_clinic

MARKER = "Zümrüt Backupson"


@pytest.fixture(scope="module")
def genuine(tmp_path_factory: pytest.TempPathFactory) -> Template[datetime]:
    """A genuine clinic (``tamper.genuine_clinic``) with the marked patient added, made
    once for the module; the time its making left the clock at."""

    def build(root: Path) -> datetime:
        clock = FixedClock(CLOCK_START)
        db = genuine_clinic(root, clock)
        try:
            given, family = MARKER.split()
            add(db, admin(clock), NewPatient(given, family))
        finally:
            db.close()
        return clock.now()

    return make_template(tmp_path_factory.mktemp("genuine") / "clinic", build)


# This test's own copy of :func:`genuine`, open; ``clock`` where the making left it.
clinic = clinic_fixture()


def made(root: Path, db: Database, clock: FixedClock, folder: Path) -> backups.Made:
    return backups.create(db, admin(clock), root, to=folder)


def test_a_backup_is_one_private_file_holding_no_patient_data_in_the_clear(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    result = made(root, db, clock, tmp_path / "backups")
    assert result.log_problem == "" and result.removed == []
    assert [p.name for p in files.found_in(tmp_path / "backups")] == [result.path.name]
    if os.name == "posix":
        assert result.path.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "backups").stat().st_mode & 0o777 == 0o700
    data = result.path.read_bytes()
    for word in (*MARKER.split(), MARKER.split()[0].encode("utf-8").decode()):
        assert word.encode("utf-8") not in data
    with zipfile.ZipFile(result.path) as zf:
        manifest = json.loads(zf.read(files.MANIFEST))
    assert manifest["format"] == "receptionist-backup"
    assert manifest["anchor"]["events"] > 1
    checked = backups.verify(result.path)
    assert (checked.ok, checked.problem) == (True, "")


def test_restore_into_an_empty_folder_gives_the_clinic_back(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    result = made(root, db, clock, tmp_path / "backups")
    elsewhere = tmp_path / "new-pc"
    done = backups.restore(elsewhere, result.path, clock)
    assert done.kept_aside == []
    copy = open_clinic(elsewhere)
    try:
        assert [p.display_name for p in find(copy, admin(clock), "zumrut")] == [MARKER]
        with copy.read() as s:
            last = s.execute(text("SELECT action FROM audit_event ORDER BY seq DESC")).first()
        assert last is not None and last[0] == "restore"
    finally:
        copy.close()


def test_restore_over_the_clinic_keeps_its_files_aside(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    result = made(root, db, clock, tmp_path / "backups")
    add(db, admin(clock), NewPatient("Later", "Added"))
    db.close()
    done = backups.restore(root, result.path, clock)
    assert {p.name.split(".before-restore-")[0] for p in done.kept_aside} >= {
        "clinic.db",
        "clinic.keys",
    }
    back = open_clinic(root)
    try:
        assert find(back, admin(clock), "later added") == []
        assert len(find(back, admin(clock), "zumrut")) == 1
    finally:
        back.close()


def test_another_clinics_backup_is_refused_changing_nothing(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, _ = clinic
    other = genuine_clinic(tmp_path / "other", clock)
    try:
        theirs = made(tmp_path / "other", other, clock, tmp_path / "theirs")
    finally:
        other.close()
    before = sorted(p.name for p in root.iterdir())
    with pytest.raises(UserError, match="a backup of another clinic; nothing was changed"):
        backups.restore(root, theirs.path, clock)
    assert sorted(p.name for p in root.iterdir()) == before


@pytest.mark.parametrize("damage", ["flip", "truncate", "not-a-zip"])
def test_a_damaged_backup_is_told_and_never_restored(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    damage: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    result = made(root, db, clock, tmp_path / "backups")
    data = bytearray(result.path.read_bytes())
    if damage == "flip":
        with zipfile.ZipFile(result.path) as zf:
            offset = zf.getinfo(files.DB).header_offset + 30 + len(files.DB) + 8192
        data[offset] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 2]
    else:
        data = bytearray(b"plain text, not a backup")
    result.path.write_bytes(bytes(data))
    checked = backups.verify(result.path)
    assert not checked.ok
    told = {"flip": "is damaged (it cannot be read", "truncate": "is damaged (it is incomplete"}
    assert told.get(damage, "is not a Receptionist backup") in checked.problem
    db.close()
    before = (root / "clinic.db").read_bytes()
    with pytest.raises(ReceptionistError) as refused:
        backups.restore(root, result.path, clock)
    assert (root / "clinic.db").read_bytes() == before
    # 3 for a damaged or incomplete backup (as a damaged clinic file), 2 for another
    # file; each problem said once, naming the backup
    code = 2 if damage == "not-a-zip" else 3
    assert refused.value.exit_code == code
    capsys.readouterr()
    args = ["--data-dir", str(root), "--json", "backup", "verify", str(result.path)]
    assert main(args) == code
    problem = json.loads(capsys.readouterr().out)["problem"]
    assert problem == checked.problem and problem.count(result.path.name) == 1


def test_a_log_rewritten_by_a_key_holder_is_found_at_the_next_backup(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """The chain and its head are whole again after the rewrite, so `audit verify`
    alone passes; the anchor in the last backup does not: the next backup says so,
    and keeps every older backup (the evidence) instead of rotating them away."""
    root, db = clinic
    folder = tmp_path / "backups"
    first = made(root, db, clock, folder)
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": seq_of(s, "open")})
        rechain(s)
    clock.advance(minutes=5)
    second = made(root, db, clock, folder)
    assert "this event is not the one the anchor" in second.log_problem
    assert second.removed == [] and first.path.exists()
    # and every later check of the backups says so too: the first backup's anchor
    # stays unheld, though the second was made of the rewritten log
    later = backups.log_against_backups(db, folder, clinic_id(root), clock.now())
    # the clinic's time (Istanbul), as every other time the CLI and the desk tell
    # (session 18: it said 07:02 UTC)
    assert "no longer holds the event the backup of 2026-12-07 10:02 anchored" in later
    assert "UTC" not in later
    clock.advance(days=1)
    third = made(root, db, clock, folder)
    assert third.log_problem and third.removed == [] and first.path.exists()


def test_rotation_keeps_a_week_of_days_and_then_weeks() -> None:
    start = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)
    made = [start + timedelta(days=d, hours=h) for d in range(60) for h in (0, 12)]
    keep = backups.to_keep(made, keep_daily=7, keep_weekly=4)
    newest = max(made)
    assert newest in keep
    days = sorted({at.date() for at in keep}, reverse=True)
    assert days[:7] == [newest.date() - timedelta(days=i) for i in range(7)]
    assert len(keep) == 7 + 4
    assert all(at.hour == 14 for at in keep), "the newest of each day or week"


def test_rotation_counts_the_clinic_s_days() -> None:
    """Istanbul (UTC+3): 23:30 and 00:30 the next night are two of the clinic's days,
    though one UTC day (20:30, 21:30): the newest of each is kept."""
    late, after_midnight = (datetime(2026, 3, 2, h, 30, tzinfo=UTC) for h in (20, 21))
    made = [late, after_midnight]
    assert backups.to_keep(made, 7, 0, ZoneInfo("Europe/Istanbul")) == {late, after_midnight}
    assert backups.to_keep(made, 7, 0) == {after_midnight}


def test_the_newest_backup_of_the_day_replaces_the_earlier_one(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    first = made(root, db, clock, tmp_path / "b")
    clock.advance(hours=1)
    second = made(root, db, clock, tmp_path / "b")
    assert second.removed == [first.path] and not first.path.exists()


def test_two_backups_in_one_second_are_two_files_listed_newest_first(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """#14, session 17: a backup's name held its time to the second, so a second backup
    made in that second (the nightly job and a person's, a retry) took the first's name
    and replaced it: after a log found rewritten, one of the backups kept as the
    evidence was gone. Each has a name of its own, names sort as they were made, and
    the listing says the later one is the newest."""
    root, db = clinic
    folder = tmp_path / "backups"
    before = made(root, db, clock, folder)
    with db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": seq_of(s, "open")})
        rechain(s)  # a log found rewritten: the backups keep every older one
    clock.advance(minutes=5)
    made_now = [made(root, db, clock, folder) for _ in range(3)]  # the clock stands still
    assert all(m.log_problem and m.removed == [] for m in made_now)
    paths = [m.path for m in made_now]
    assert len(set(paths)) == 3, "a backup made in the same second replaced another"
    assert all(p.exists() for p in [before.path, *paths])
    assert sorted(p.name for p in paths) == [p.name for p in paths], "names sort as made"
    listed = backups.listing(db, admin(clock), root, folder=folder)
    assert [b.path for b in listed] == [*paths[::-1], before.path]
    assert files.found_in(folder) == [before.path, *paths]


def test_the_rotation_keeps_the_last_of_backups_made_at_one_time(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """As the newest of the day replaces the earlier one, the later of two backups made
    at one time replaces the earlier (never the one just made); the next takes a name
    after the last, not the freed one."""
    root, db = clinic
    folder = tmp_path / "b"
    first = made(root, db, clock, folder)
    second = made(root, db, clock, folder)
    assert second.path != first.path and second.removed == [first.path]
    assert not first.path.exists() and second.path.exists()
    third = made(root, db, clock, folder)
    assert third.removed == [second.path] and third.path.exists()
    assert third.path not in (first.path, second.path)
    assert files.found_in(folder) == [third.path]


def test_backups_on_the_clinic_s_disk_are_told(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """The default folder (inside the data folder) is on the clinic's disk: the backup
    and the placement say so; a folder on another file system (tmpfs) is not."""
    root, db = clinic
    warning = backups.placement(root)
    assert warning is not None and str(root / "backups") in warning
    assert "(Settings > This PC > Backups)" in warning and "backup.folder" not in warning
    assert backups.create(db, admin(clock), root).same_disk
    other = Path("/dev/shm")
    if other.is_dir() and other.stat().st_dev != root.stat().st_dev:
        pcstore.write(settings.FOLDER, str(other / f"receptionist-test-{os.getpid()}" / "b"))
        assert backups.placement(root) is None


def test_a_receptionist_cannot_make_backups(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    desk = Ctx(Actor("u1", "receptionist", "ui"), clock)
    with pytest.raises(PermissionDenied, match="manage backups"):
        backups.create(db, desk, root, to=tmp_path / "b")
    assert not (tmp_path / "b").exists()


def test_cli_backup_round_trip(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    folder = tmp_path / "nas"
    capsys.readouterr()
    assert main(["--json", "backup", "create", "--to", str(folder)]) == 0
    made_one = json.loads(capsys.readouterr().out)
    assert Path(made_one["path"]).exists() and made_one["audit_problem"] is None
    assert main(["--json", "backup", "list", "--folder", str(folder)]) == 0
    assert [Path(r["path"]).name for r in json.loads(capsys.readouterr().out)] == [
        Path(made_one["path"]).name
    ]
    assert main(["backup", "verify", "--folder", str(folder)]) == 0
    assert "is whole" in capsys.readouterr().out
    # where the sweep looks: the --to folder, out of reach once moved, and forgotten
    folder.rename(tmp_path / "nas-gone")
    assert main(["--json", "backup", "places"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {"folder": str(folder), "reachable": False, "current": False} in rows
    assert main(["--json", "backup", "places", "--forget", str(folder)]) == 0
    assert str(folder) not in {r["folder"] for r in json.loads(capsys.readouterr().out)}
    (tmp_path / "nas-gone").rename(folder)  # back; a listing finds it again
    assert main(["backup", "list", "--folder", str(folder)]) == 0
    capsys.readouterr()
    assert main(["--json", "backup", "places"]) == 0
    assert str(folder) in {r["folder"] for r in json.loads(capsys.readouterr().out)}
    current = next(r["folder"] for r in rows if r["current"])
    assert main(["backup", "places", "--forget", current]) == 2
    junk = tmp_path / "junk.rcbackup"
    junk.write_text("no")
    assert main(["--json", "backup", "restore", str(junk), "--yes"]) == 2
    assert "not a Receptionist backup" in json.loads(capsys.readouterr().out)["error"]


def test_after_restoring_an_older_backup_the_newer_ones_move_aside_and_checks_pass(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """The restore undid what the newer backups hold: their anchors would never be
    held again, so they are kept apart, and the next backup's check is clean."""
    root, db = clinic
    folder = tmp_path / "backups"
    old = made(root, db, clock, folder)
    clock.advance(days=1)
    add(db, admin(clock), NewPatient("Undone", "Later"))
    newer = made(root, db, clock, folder)
    db.close()
    done = backups.restore(root, old.path, clock)
    assert [p.name for p in done.superseded] == [newer.path.name]
    assert done.superseded[0].parent.name.startswith("superseded-")
    back = open_clinic(root)
    try:
        clock.advance(hours=1)
        assert made(root, back, clock, folder).log_problem == ""
    finally:
        back.close()


def test_cli_backup_verify_opens_each_backup_once(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`backup verify` lists the folder, holds the clinic's log to every backup's
    anchor and says which anchors can no longer be checked: one reading of each
    archive serves all three (on a network share each opening is a round trip). The
    backup it checks whole is opened once more, to unpack it."""
    root, db = clinic
    folder = tmp_path / "nas"
    for days in (2, 1, 0):
        backups.create(db, admin(FixedClock(clock.now() - timedelta(days=days))), root, to=folder)
    db.close()
    opened: list[str] = []
    real = files._archive

    def counting(path: Path) -> contextlib.AbstractContextManager[zipfile.ZipFile]:
        opened.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(files, "_archive", counting)
    assert main(["--data-dir", str(root), "backup", "verify", "--folder", str(folder)]) == 0
    assert "is whole" in capsys.readouterr().out
    names = sorted(p.name for p in files.found_in(folder))
    assert len(names) == 3
    newest = max(names)  # named by the time each was made
    assert sorted(opened) == sorted([*names, newest]), opened


def test_the_sweep_deletes_expired_copies_wherever_they_are(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """Past retention.backup_days (180) every copy of the clinic goes: backups written
    with --to, in the folder the setting names, moved aside by a restore
    (superseded-*), and the clinic files a restore or an upgrade set aside beside
    the clinic; a fresh one stays. A folder out of reach is counted, and swept once
    it is back."""
    from receptionist.jobs import core as jobcore
    from receptionist.ops import retention

    root, db = clinic
    now = clock.now()
    clock.set(now - timedelta(days=200))
    nas, usb = tmp_path / "nas", tmp_path / "usb"
    b1 = made(root, db, clock, nas)
    clock.advance(days=1)  # another day: the rotation keeps both
    b1_later = made(root, db, clock, nas)
    on_usb = made(root, db, clock, usb)
    db.close()
    clock.advance(hours=1)
    restored = backups.restore(root, b1.path, clock)
    assert [p.name for p in restored.superseded] == [b1_later.path.name]
    aside = {p.name for p in restored.kept_aside}
    upgrade_old = root / "clinic.db.before-0029-20260101T000000Z"
    upgrade_new = root / f"clinic.db.before-0030-{now - timedelta(days=2):%Y%m%dT%H%M%SZ}"
    for copy in (upgrade_old, upgrade_new):
        copy.write_bytes((root / "clinic.db").read_bytes())
    db = open_clinic(root)
    try:
        clock.advance(hours=1)
        in_default = backups.create(db, admin(clock), root)  # <data>/backups
        clock.set(now)
        fresh = made(root, db, clock, nas)
        usb.rename(tmp_path / "usb-unplugged")
        set_aside = root / next(n for n in aside if n.startswith("clinic.db."))
        expected = sorted(
            [b1.path, restored.superseded[0], set_aside, upgrade_old, in_default.path]
        )
        plan = retention.dry_run(db, admin(clock), root)
        assert sorted(plan.backups) == expected and plan.counts["backup"] == 5
        assert backups.unreachable(root) == [usb]
        swept = retention.sweep(db, admin(clock), root)
        assert swept.counts["backup"] == 5
        assert ("backup", 5) in {(r.kind, r.count) for r in swept.records}
        left = {p.name for p in root.iterdir()}
        assert not aside & left and upgrade_new.name in left and upgrade_old.name not in left
        assert files.found_in(nas) == [fresh.path] and not restored.superseded[0].parent.exists()
        assert files.found_in(root / "backups") == []
        # the scheduled sweep (a person has swept) says what it could not reach
        assert jobcore.sweep(db, clock).get("backup_unreachable") == 1
        (tmp_path / "usb-unplugged").rename(usb)  # back: swept, and then forgotten
        assert backups.remove_older(root, now - timedelta(days=180)) == [on_usb.path]
        assert backups.unreachable(root) == [] and usb not in places.remembered(root)
        assert nas in places.remembered(root)
        # erasing a patient tells of the copies left (the fresh backup, the upgrade's)
        who = find(db, admin(clock), "zumrut")[0].id
        told = erasure_plan(db, admin(clock), who).copies
        assert told.startswith("2 backup(s)") and f"{now + timedelta(days=180):%Y-%m-%d}" in told
    finally:
        db.close()


def test_a_backup_says_who_made_it_and_the_list_tells_daily_weekly_and_by_hand(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """Settings > Backups' "Kind": the job's backups are daily, those the rotation keeps
    as a week's are weekly, and a person's (``backup create``) is by hand."""
    from receptionist.jobs import core

    root, db = clinic
    pcstore.write(settings.FOLDER, str(tmp_path / "nas"))
    for _day in range(10):
        core.backup(db, clock)
        clock.advance(days=1)
    by_hand = made(root, db, clock, tmp_path / "nas")
    found = backups.listing(db, admin(clock), root)
    assert [b.made_by for b in found] == ["person"] + ["job"] * (len(found) - 1)
    assert files.read_manifest(by_hand.path).made_by == "person"
    kinds = backups.kinds(db, found)
    assert kinds[by_hand.path] == backups.BY_HAND
    said = [kinds[b.path] for b in found[1:]]
    assert said[:6] == [backups.DAILY] * 6, said
    assert backups.WEEKLY in said[6:], said
    # the labels are the rotation's own rule: what it keeps, it keeps as daily or weekly
    made_at = [b.created_at for b in found]
    assert set(backups.kept_as(made_at, 7, 4)) == backups.to_keep(made_at, 7, 4)
