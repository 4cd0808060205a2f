"""Opening an older file migrates it, after an encrypted copy of it is written beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from receptionist import migrate
from receptionist.errors import InstanceLocked, NotOurFile
from receptionist.lock import InstanceLock
from receptionist.storage import PLAINTEXT_MAGIC, Database
from receptionist.vault import DataDir, create, open_clinic, unlock


@pytest.fixture
def old_clinic(tmp_path: Path) -> Path:
    """A clinic as the first release left it: schema at revision 0001, with a row."""
    root = tmp_path / "old"
    created = create(root)
    db = Database(DataDir(root).db, created.key)
    with db.write() as s:
        s.execute(text("DROP INDEX ix_appointment_series"))
        s.execute(text("DROP INDEX ix_blocked_time_end"))
        s.execute(text("DROP INDEX ix_patient_card"))
        s.execute(text("DROP TABLE waitlist_entry"))
        s.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        s.execute(
            text(
                "INSERT INTO room (id, name, active, created_at, updated_at, version) "
                "VALUES ('r1', 'Room 1', 1, 0, 0, 1)"
            )
        )
    db.close()
    return root


def test_old_file_is_copied_then_migrated(old_clinic: Path) -> None:
    db = open_clinic(old_clinic)
    try:
        assert migrate.current_revision(db) == migrate.head_revision()
        with db.read() as s:
            names = set(s.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert {"ix_appointment_series", "ix_blocked_time_end", "ix_patient_card"} <= names
        assert "waitlist_entry" in names
    finally:
        db.close()
    copies = list(old_clinic.glob("clinic.db.before-0001-*"))
    assert len(copies) == 1
    assert copies[0].read_bytes()[:16] != PLAINTEXT_MAGIC, "the copy stays encrypted"
    old = Database(copies[0], unlock(old_clinic, env={}))
    try:
        assert migrate.current_revision(old) == "0001"
        with old.read() as s:
            assert s.execute(text("SELECT name FROM room")).scalar_one() == "Room 1"
    finally:
        old.close()


def test_current_file_is_not_copied(data_dir: Path) -> None:
    open_clinic(data_dir).close()
    open_clinic(data_dir).close()
    assert not list(data_dir.glob("clinic.db.before-*"))


def test_newer_file_is_refused(data_dir: Path) -> None:
    db = open_clinic(data_dir)
    with db.write() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    db.close()
    with pytest.raises(NotOurFile, match="newer version"):
        open_clinic(data_dir)


def test_one_app_per_data_folder(data_dir: Path) -> None:
    first = InstanceLock(DataDir(data_dir).lock)
    first.acquire()
    try:
        with pytest.raises(InstanceLocked, match="already running"):
            InstanceLock(DataDir(data_dir).lock).acquire()
    finally:
        first.release()
    with InstanceLock(DataDir(data_dir).lock):
        pass


def test_cli_writes_beside_a_running_app(data_dir: Path) -> None:
    """Two openers of one file (the app and the CLI): a write waits for the other, no error."""
    app, cli = open_clinic(data_dir), open_clinic(data_dir)
    try:
        with app.read() as s:
            s.execute(text("SELECT count(*) FROM room")).scalar_one()
            with cli.write() as w:
                w.execute(
                    text(
                        "INSERT INTO room (id, name, active, created_at, updated_at, "
                        "version) VALUES ('r2', 'Room 2', 1, 0, 0, 1)"
                    )
                )
        with app.read() as s:
            assert s.execute(text("SELECT count(*) FROM room")).scalar_one() == 1
    finally:
        app.close()
        cli.close()


def test_copy_holds_rows_still_in_the_wal(data_dir: Path) -> None:
    """A reader pins an old snapshot, so a checkpoint can't fold the WAL in: the copy
    must still hold the newest committed row."""
    reader, writer = open_clinic(data_dir), open_clinic(data_dir)
    try:
        with reader.read() as r:
            r.execute(text("SELECT count(*) FROM room")).scalar_one()
            with writer.write() as w:
                w.execute(
                    text(
                        "INSERT INTO room (id, name, active, created_at, updated_at, "
                        "version) VALUES ('r9', 'Room 9', 1, 0, 0, 1)"
                    )
                )
            copy = migrate.backup_before_upgrade(writer, "test")
    finally:
        reader.close()
        writer.close()
    old = Database(copy, unlock(data_dir, env={}))
    try:
        with old.read() as s:
            assert s.execute(text("SELECT name FROM room")).scalar_one() == "Room 9"
    finally:
        old.close()
