from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from receptionist.errors import UnlockError
from receptionist.store import migrate, storage
from receptionist.store.storage import PLAINTEXT_MAGIC, RELAXED_CHECKPOINT, Database
from receptionist.store.vault import DataDir, create, open_clinic, unlock


def test_create_opens_migrated_encrypted(data_dir: Path, db: Database) -> None:
    assert migrate.current_revision(db) == migrate.head_revision()
    with db.write() as s:
        s.execute(text("CREATE TABLE probe(x)"))
    assert DataDir(data_dir).db.read_bytes()[:16] != PLAINTEXT_MAGIC


def test_keychain_lost_passphrase_unlocks(data_dir: Path, memory_keyring) -> None:
    memory_keyring.store.clear()
    with pytest.raises(UnlockError):
        unlock(data_dir, env={})
    key = unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": "correct horse battery"})
    assert len(key) == 32
    assert memory_keyring.store, "a key recovered by passphrase goes back into the keychain"


def test_recovery_code_unlocks(tmp_path: Path, memory_keyring) -> None:
    created = create(tmp_path / "c")
    memory_keyring.store.clear()
    answers = iter(["wrong", created.recovery_code.lower().replace("-", " ")])
    key = unlock(tmp_path / "c", ask=lambda _prompt: next(answers), env={})
    assert len(key) == 32
    open_clinic(tmp_path / "c").close()


def test_a_relaxed_write_waits_for_no_disk_and_leaves_every_connection_durable(
    db: Database,
) -> None:
    def synchronous(session: object) -> int:
        return int(session.connection().exec_driver_sql("PRAGMA synchronous").scalar())  # type: ignore[attr-defined]

    with db.write() as s:
        assert synchronous(s) == 2  # FULL

    def checkpoint(session: object) -> int:
        return int(session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar())  # type: ignore[attr-defined]

    with db.write(relaxed=True) as s:
        assert synchronous(s) == 1  # NORMAL, for this transaction
        assert checkpoint(s) == RELAXED_CHECKPOINT
        s.execute(text("CREATE TABLE scratch (x INTEGER)"))
    with pytest.raises(RuntimeError), db.write(relaxed=True) as s:
        s.execute(text("INSERT INTO scratch VALUES (1)"))
        raise RuntimeError("undone")
    for _ in range(3):  # whichever pooled connection comes next
        with db.write() as s:
            assert synchronous(s) == 2
            assert checkpoint(s) == 1_000
            assert s.execute(text("SELECT count(*) FROM scratch")).scalar() == 0


def test_the_connection_the_look_at_open_used_serves_the_first_query(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a connection reads and parses the whole schema: an open and one query
    make one, not two; an open closed unused leaves none behind."""
    opened: list[object] = []
    real = storage.raw_connect

    def counted(*args: object, **kwargs: object) -> object:
        conn = real(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(conn)
        return conn

    monkeypatch.setattr(storage, "raw_connect", counted)
    key = unlock(data_dir)
    db = Database(DataDir(data_dir).db, key)
    try:
        with db.read() as s:
            assert s.execute(text("SELECT count(*) FROM sqlite_master")).scalar()
        assert len(opened) == 1
    finally:
        db.close()
    unused = Database(DataDir(data_dir).db, key)
    unused.close()
    assert len(opened) == 2
    with pytest.raises(Exception, match="closed"):
        opened[1].execute("SELECT 1")  # type: ignore[attr-defined]
