from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from receptionist.errors import UnlockError
from receptionist.store import migrate
from receptionist.store.storage import PLAINTEXT_MAGIC, Database
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
