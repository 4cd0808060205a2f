"""A full disk is the disk's fault, never the backup's (#14, session 18's review).

Unpacking a good backup (to restore it, or to verify it in the temporary folder) on a
disk that fills up is told as "not enough free space in <folder>", not as a damaged
backup; making a backup on a full disk (SQLite's "database or disk is full" from the
export) names the backup folder and the room it needs, leaves nothing behind, and the
job's record says that sentence, not an error's type and line.

The full disk is injected at the OS boundary (no small filesystem needs root): the
unpacked copy's writes raise ``OSError(ENOSPC)`` after a little was written, and the
export's attached copy is held to a few pages (``PRAGMA max_page_count``), so SQLite
itself reports the disk full."""

from __future__ import annotations

import errno
import os
import pathlib
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from backupclinic import admin, clinic_fixture, genuine_fixture
from sqlalchemy import select

from receptionist.cli.main import main
from receptionist.clock import FixedClock
from receptionist.errors import Damaged, UserError
from receptionist.jobs import runner as jobs
from receptionist.jobs.core import BACKUP
from receptionist.jobs.runner import Runner
from receptionist.models import JobRun
from receptionist.ops import backups
from receptionist.store import backup as files
from receptionist.store.storage import Database

genuine = genuine_fixture()
clinic = clinic_fixture()


class _FullAfter:
    """A file written to a disk with ``room`` bytes left: then ``errno_`` (ENOSPC)."""

    def __init__(self, real: Any, room: int, errno_: int) -> None:
        self._real, self._room, self._errno = real, room, errno_

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            raise OSError(self._errno, os.strerror(self._errno))
        self._room -= len(data)
        return int(self._real.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> _FullAfter:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


def full_disk(monkeypatch: pytest.MonkeyPatch, prefix: str, errno_: int = errno.ENOSPC) -> None:
    """Files written into a folder whose name begins with ``prefix`` (the one a backup is
    unpacked into) meet a full disk after 64 KiB."""
    real_open = pathlib.Path.open

    def opening(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(self, mode, *args, **kwargs)
        if "w" in mode and self.parent.name.startswith(prefix):
            return _FullAfter(fh, 64 * 1024, errno_)
        return fh

    monkeypatch.setattr(pathlib.Path, "open", opening)


def _good_backup(root: Path, db: Database, clock: FixedClock, tmp_path: Path) -> Path:
    made = backups.create(db, admin(clock), root, to=tmp_path / "nas").path
    db.close()
    assert backups.verify(made).ok
    return made


def test_a_restore_on_a_full_disk_says_so_and_never_calls_the_backup_damaged(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, db = clinic
    good = _good_backup(root, db, clock, tmp_path)
    look = tmp_path / "look"
    full_disk(monkeypatch, ".restore-")

    with pytest.raises(UserError) as told:
        backups.restore(look, good, clock)

    said = str(told.value)
    assert not isinstance(told.value, Damaged), said
    assert "damaged" not in said.split("not damaged")[0], said
    assert f"There is not enough free space in {look} to unpack" in said, said
    assert "needs about" in said and "free some space" in said, said
    assert not (look / "clinic.db").exists() and not (look / "clinic.keys").exists()
    assert not [p for p in look.iterdir() if p.name.startswith(".restore-")]


def test_verify_with_a_full_temporary_folder_says_so_exit_not_damaged(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root, db = clinic
    good = _good_backup(root, db, clock, tmp_path)
    full_disk(monkeypatch, "receptionist-backup-")
    capsys.readouterr()

    code = main(["--data-dir", str(root), "backup", "verify", str(good)])

    said = capsys.readouterr()
    text = said.out + said.err
    assert code != 3 and code != 0, text  # 3: damaged
    assert "is damaged" not in text, text
    tmp = tempfile.gettempdir()
    assert f"There is not enough free space in {tmp} to unpack" in text, text
    assert "TMPDIR" in text, text


def test_an_unwritable_unpack_folder_is_named_with_its_reason(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, db = clinic
    good = _good_backup(root, db, clock, tmp_path)
    full_disk(monkeypatch, "receptionist-backup-", errno.EROFS)

    checked = backups.verify(good)

    assert not checked.ok and checked.exit_code != 3, checked.problem
    assert "could not be unpacked" in checked.problem, checked.problem
    assert os.strerror(errno.EROFS) in checked.problem, checked.problem
    assert "is damaged" not in checked.problem


class _Limited:
    """A clinic connection whose export's attached copy may grow to a few pages only:
    SQLite reports "database or disk is full" as on a full disk."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, *args: Any) -> Any:
        if "sqlcipher_export" in sql:
            self._conn.execute("PRAGMA copy.max_page_count = 4")
        return self._conn.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _disk_fills(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    real = db.connect
    monkeypatch.setattr(db, "connect", lambda: _Limited(real()))


def test_a_backup_on_a_full_disk_names_the_folder_and_leaves_nothing(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, db = clinic
    folder = tmp_path / "nas"
    _disk_fills(db, monkeypatch)

    with pytest.raises(UserError) as told:
        backups.create(db, admin(clock), root, to=folder)

    said = str(told.value)
    assert f"There is not enough free space in {folder} for the backup" in said, said
    assert "needs about" in said and "OperationalError" not in said, said
    assert list(folder.iterdir()) == [], "the unfinished backup was left"


def test_the_backup_job_on_a_full_disk_records_the_sentence(
    clinic: tuple[Path, Database],
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, db = clinic
    _disk_fills(db, monkeypatch)

    runner = Runner([BACKUP])
    ran = runner.run_due(db, clock)

    assert [r.outcome for r in ran] == ["failed"]
    with db.read() as s:
        error = s.scalars(select(JobRun.error).where(JobRun.job == BACKUP.name)).one()
    assert "There is not enough free space in" in error, error
    assert "OperationalError" not in error, error
    assert not [p for p in files.found_in(root / "backups")]
    # tried again the same day, once the disk has had time to be seen to
    assert jobs.status(db, clock, [BACKUP])[0].next_due == ran[0].ended_at + timedelta(minutes=15)
    monkeypatch.undo()
    clock.advance(minutes=15)
    assert [r.outcome for r in runner.run_due(db, clock)] == ["ok"]
    assert len(files.found_in(root / "backups")) == 1
