"""A restore this version cannot finish changes nothing, and a backup folder out of reach
is told as such (#14, session 17's review): a backup made by a newer version is refused
before the clinic's files are set aside (they stay in place, the newer backups where
they were, no reminders marker left); a restored file that then fails to open puts the
clinic's own files back; an OS error while writing a backup names the folder and what
to do, and a rekey whose follow-up backup meets one still succeeds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from backupclinic import admin, clinic_fixture, genuine_fixture
from sqlalchemy import text

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.errors import NotOurFile, UserError
from receptionist.ops import backups
from receptionist.ops.patients import NewPatient, add, find
from receptionist.reminders import handover
from receptionist.store import backup as files
from receptionist.store import lookcopy
from receptionist.store.storage import Database
from receptionist.store.vault import open_clinic

genuine = genuine_fixture()
clinic = clinic_fixture()


def _backup_with_revision(
    root: Path, db: Database, clock: FixedClock, folder: Path, revision: str | None
) -> Path:
    """A backup whose copy (and manifest) hold the schema ``revision`` (None: none at
    all), as a newer version, or a file emptied of its schema, would leave it."""
    with db.write() as s:
        kept = s.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        if revision is None:
            s.execute(text("DELETE FROM alembic_version"))
        else:
            s.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    try:
        return backups.create(db, admin(clock), root, to=folder).path
    finally:
        with db.write() as s:
            s.execute(text("DELETE FROM alembic_version"))
            s.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": kept})


def _state(root: Path) -> tuple[list[str], str, str]:
    """The data folder's names, and its database's and key file's contents (hashed)."""
    names = sorted(p.name for p in root.iterdir())
    digest = hashlib.sha256((root / "clinic.db").read_bytes()).hexdigest()
    keys = hashlib.sha256((root / "clinic.keys").read_bytes()).hexdigest()
    return names, digest, keys


def _newer_backup_and_a_later_one(
    root: Path, db: Database, clock: FixedClock, folder: Path, revision: str | None
) -> tuple[Path, Path]:
    odd = _backup_with_revision(root, db, clock, folder, revision)
    clock.advance(days=1)  # a day apart: the rotation keeps both
    add(db, admin(clock), NewPatient("Kept", "After"))
    later = backups.create(db, admin(clock), root, to=folder).path
    clock.advance(hours=1)
    return odd, later


def _still_the_clinic(root: Path, clock: FixedClock) -> None:
    back = open_clinic(root)
    try:
        assert len(find(back, admin(clock), "kept after")) == 1
    finally:
        back.close()


def test_a_backup_made_by_a_newer_version_is_refused_before_anything_moves(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    root, db = clinic
    folder = tmp_path / "backups"
    newer, later = _newer_backup_and_a_later_one(root, db, clock, folder, "9999_future")
    db.close()
    before = _state(root)

    with pytest.raises(NotOurFile, match="made by a newer version of Receptionist") as told:
        backups.restore(root, newer, clock)

    assert "nothing was changed" in str(told.value) and "Install that version" in str(told.value)
    assert _state(root) == before, "the clinic's files were set aside or replaced"
    assert not (root / handover.RESTORING).exists()
    assert later.exists() and not list(folder.glob("superseded-*")), "newer backups moved"
    _still_the_clinic(root, clock)
    # into an empty folder too: no copy, no mark, nothing left behind
    look = tmp_path / "look"
    with pytest.raises(NotOurFile, match="newer version"):
        backups.restore(look, newer, clock)
    assert lookcopy.restored_copy(look) is None
    assert not (look / "clinic.db").exists() and not (look / "clinic.keys").exists()


def test_the_cli_refuses_a_newer_backup_saying_nothing_was_changed(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    newer = _backup_with_revision(root, db, clock, tmp_path / "backups", "9999_future")
    db.close()
    before = _state(root)
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    capsys.readouterr()
    assert main(["backup", "restore", str(newer), "--yes"]) == 3
    said = capsys.readouterr().err
    assert "made by a newer version of Receptionist" in said and "nothing was changed" in said
    assert _state(root) == before


def test_a_restored_file_that_fails_to_open_puts_the_clinic_s_own_files_back(
    clinic: tuple[Path, Database], clock: FixedClock, tmp_path: Path
) -> None:
    """A backup whose copy holds no schema passes every check before the swap and is
    refused only when opened: the clinic's files go back in place."""
    root, db = clinic
    folder = tmp_path / "backups"
    empty, later = _newer_backup_and_a_later_one(root, db, clock, folder, None)
    db.close()
    before = _state(root)

    with pytest.raises(NotOurFile, match="holds no clinic data"):
        backups.restore(root, empty, clock)

    assert _state(root) == before, "the clinic's files were left aside"
    assert not (root / handover.RESTORING).exists()
    assert later.exists() and not list(folder.glob("superseded-*"))
    _still_the_clinic(root, clock)


def test_a_backup_folder_out_of_reach_is_a_clear_error(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    blocker = tmp_path / "afile"  # a file where the folder should be: not a directory
    blocker.write_text("x")
    with pytest.raises(UserError) as told:
        backups.create(db, admin(clock), root, to=blocker / "backups")
    said = str(told.value)
    assert str(blocker / "backups") in said and "Not a directory" in said
    assert "choose another backup folder" in said
    assert not list(files.found_in(root / "backups"))
    db.close()
    monkeypatch.setenv("RECEPTIONIST_DATA_DIR", str(root))
    capsys.readouterr()
    assert main(["backup", "create", "--to", str(blocker / "backups")]) == 2
    err = capsys.readouterr().err
    assert "unexpected" not in err and "could not be written in" in err


def test_a_rekey_whose_backup_folder_is_out_of_reach_succeeds_and_says_so(
    cli_env: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The data is under the new key: exit 0 (a person must not rekey again), and the
    missing backup is told with the folder's reason and what to do."""
    assert main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"]) == 0  # fmt: skip
    blocker = tmp_path / "afile"
    assert main(["settings", "set", "backup.folder", str(blocker / "backups")]) == 0
    blocker.write_text("x")  # a file now where the folder was to be (refused if set so)
    capsys.readouterr()
    monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", "the next long passphrase")
    assert main(["rekey"]) == 0
    err = capsys.readouterr().err
    assert "encrypted under the new key, but no backup under it could be written" in err
    assert str(blocker / "backups") in err and "Not a directory" in err
    assert "unexpected" not in err
