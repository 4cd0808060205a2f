"""A disk too small for an upgrade's copy or a rekey: a clear refusal, nothing lost.

The checks before writing are tested with a disk that reports little free space. A
disk filling up half-way is a real one: a small tmpfs (mounting it needs root, as CI
and this project's machines run; elsewhere those tests skip), with the check before
writing told there was room, as when another program fills the disk after it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from factories import downgrade
from sqlalchemy import text
from templates import Template, make_template
from test_migrate import seed_rows

from receptionist.errors import DiskFull, UnlockError
from receptionist.store import migrate, sidecopy, storage
from receptionist.store.integrity import check
from receptionist.store.rekey import rekey
from receptionist.store.storage import Database
from receptionist.store.vault import DataDir, create, open_clinic, unlock

PASS = "correct horse battery"
ENV = {"RECEPTIONIST_PASSPHRASE": PASS}


@pytest.fixture(scope="module")
def older_template(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """:func:`older`'s clinic, made once for the module."""
    return make_template(tmp_path_factory.mktemp("older") / "clinic", _make_older)


@pytest.fixture
def older(tmp_path: Path, older_template: Template[None]) -> Path:
    """A clinic from before 0008 (the step that rewrites every appointment), so
    opening it writes a copy before upgrading: this test's own copy."""
    root = tmp_path / "clinic"
    older_template.copy_to(root)
    return root


def _make_older(root: Path) -> None:
    created = create(root, passphrase=PASS)
    db = Database(DataDir(root).db, created.key)
    with db.write() as s:
        seed_rows(s)
        # 3,000 more appointments, so an upgrade step's own writes (0008 rewrites
        # every appointment) are a good part of the file, as on a real clinic.
        s.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
                " INSERT INTO appointment (id, patient_id, provider_id, service_id, room_id,"
                " start_utc, end_utc, status, notes, cancellation_reason, override_reason,"
                " created_at, updated_at, version)"
                " SELECT 'bulk-' || i, patient_id, provider_id, service_id, room_id,"
                " start_utc + i * 3600000000, end_utc + i * 3600000000, status, notes,"
                " cancellation_reason, override_reason, created_at, updated_at, version"
                " FROM appointment, n WHERE appointment.id = 'a1'"
            )
        )
    downgrade(db, "0007")
    db.close()


def _digests(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.iterdir())
        if p.is_file() and not p.name.endswith((".inuse", "-shm", ".lock"))
    }


def _short_disk(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    real = shutil.disk_usage

    def usage(path: Any) -> Any:
        total, used, _ = real(path)
        return type(real(path))(total, used, free)

    monkeypatch.setattr(storage.shutil, "disk_usage", usage)


def test_upgrade_refused_before_anything_is_written(
    older: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digests(older)
    _short_disk(monkeypatch, free=50 * 1024)
    with pytest.raises(DiskFull, match=r"needs .* free in all; the disk has 50\.0 KB"):
        open_clinic(older, env=ENV)
    assert _digests(older) == before
    monkeypatch.undo()
    db = open_clinic(older, env=ENV)
    assert migrate.current_revision(db) == migrate.head_revision()
    db.close()


def test_rekey_refused_before_anything_is_written(
    older: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_clinic(older, env=ENV).close()  # upgraded first
    before = _digests(older)
    _short_disk(monkeypatch, free=1024)
    with pytest.raises(DiskFull, match="Changing the key"):
        rekey(older, unlock(older, env=ENV), passphrase=PASS, show_code=lambda _: None)
    assert _digests(older) == before


@contextmanager
def on_a_small_disk(clinic: Path, tmp_path: Path, spare: float = 1 / 3) -> Iterator[Path]:
    """A copy of ``clinic`` on a file system with room for it and ``spare`` times its
    database again (plus a page)."""
    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    size = sum(p.stat().st_size for p in clinic.iterdir() if p.is_file())
    mount = tmp_path / "small"
    mount.mkdir()
    room = size + int(DataDir(clinic).db.stat().st_size * spare) + 4096
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={room // 1024 + 4}k,mode=700", "tmpfs", mount],
        capture_output=True,
    )
    if made.returncode != 0:
        pytest.skip(f"could not mount a small file system: {made.stderr!r}")
    try:
        shutil.copytree(clinic, mount / "clinic")
        yield mount / "clinic"
    finally:
        subprocess.run(["umount", "-l", mount], check=True)


def _disk_filled_by_someone_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check before writing passes, as when another program fills the disk after it."""
    monkeypatch.setattr(migrate, "space_short", lambda path, needed: None)
    monkeypatch.setattr(sidecopy, "space_short", lambda path, needed: None)  # rekey, compact


def test_disk_filling_up_during_the_upgrade_copy(
    older: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _disk_filled_by_someone_else(monkeypatch)
    with on_a_small_disk(older, tmp_path) as clinic:
        before = _digests(clinic)
        with pytest.raises(DiskFull, match="filled up while the copy was written; nothing was"):
            open_clinic(clinic, env=ENV)
        assert _digests(clinic) == before, "no half-written copy left, the clinic untouched"


def test_disk_filling_up_during_an_upgrade_step(
    older: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Room for the copy but not for the step: the step is rolled back, and the copy
    (of a file that did not change) goes, so the next try has the same room."""
    _disk_filled_by_someone_else(monkeypatch)
    with on_a_small_disk(older, tmp_path, spare=1.25) as clinic:
        with pytest.raises(DiskFull, match="filled up during the upgrade; the unfinished step"):
            open_clinic(clinic, env=ENV)
        assert not list(clinic.glob("clinic.db.before-*"))
        key = unlock(clinic, env=ENV)
        db = Database(DataDir(clinic).db, key)
        try:
            assert migrate.current_revision(db) == "0007"
            assert check(db).ok
        finally:
            db.close()


def test_disk_filling_up_during_a_rekey(
    older: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: Any
) -> None:
    open_clinic(older, env=ENV).close()  # upgraded where there is room
    _disk_filled_by_someone_else(monkeypatch)
    with on_a_small_disk(older, tmp_path) as clinic:
        key, before = unlock(clinic, env=ENV), _digests(clinic)
        with pytest.raises(DiskFull, match="passphrase and recovery code still open"):
            rekey(clinic, key, passphrase="the next passphrase", show_code=lambda _: None)
        assert _digests(clinic) == before, "no partial file, the key file as it was"
        memory_keyring.store.clear()  # so the passphrase given is what unlocks
        with pytest.raises(UnlockError):
            unlock(clinic, env={"RECEPTIONIST_PASSPHRASE": "the next passphrase"})
        assert unlock(clinic, env=ENV) == key
        db = open_clinic(clinic, env=ENV)  # the old passphrase still opens it
        try:
            with db.read() as s:
                assert s.execute(text("SELECT count(*) FROM appointment")).scalar_one() == 3001
        finally:
            db.close()


def test_a_write_that_fills_the_disk_says_so_and_keeps_nothing(older: Path, tmp_path: Path) -> None:
    """Documents and notes are written through ``Database.write``: a full disk there
    is one sentence naming the folder (not an unexpected failure), and the
    transaction leaves nothing behind."""
    open_clinic(older, env=ENV).close()  # upgraded where there is room
    with on_a_small_disk(older, tmp_path, spare=0.5) as clinic:
        db = open_clinic(clinic, env=ENV)
        try:
            full = pytest.raises(DiskFull, match=r"The disk holding .* is full\. Nothing was")
            with full, db.write() as s:
                s.execute(text("CREATE TABLE big (b BLOB)"))
                s.execute(
                    text(
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
                        " WHERE i < 100000) INSERT INTO big SELECT randomblob(4000) FROM n"
                    )
                )
            with db.read() as s:
                tables = s.execute(text("SELECT name FROM sqlite_master")).scalars().all()
            assert "big" not in tables
            assert check(db).ok
        finally:
            db.close()
