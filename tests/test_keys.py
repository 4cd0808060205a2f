from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from receptionist import keystore
from receptionist.errors import NotOurFile, UnlockError
from receptionist.integrity import check
from receptionist.keyfile import read_keyfile
from receptionist.keys import normalize_recovery_code
from receptionist.rekey import rekey
from receptionist.storage import db_files
from receptionist.vault import DataDir, create, open_clinic, unlock

PASS = "correct horse battery"


def _digests(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.iterdir())
        if p.is_file()
    }


def test_wrong_secret_leaves_every_byte_unchanged(data_dir: Path, memory_keyring) -> None:
    db = open_clinic(data_dir)
    with db.write() as s:
        s.execute(text("CREATE TABLE probe(x)"))
        s.execute(text("INSERT INTO probe VALUES ('kept')"))
    db.close()
    memory_keyring.store.clear()
    before = _digests(data_dir)
    with pytest.raises(UnlockError):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": "not the passphrase"})
    with pytest.raises(UnlockError):
        unlock(data_dir, ask=lambda _p: "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", env={})
    assert _digests(data_dir) == before


def test_wrong_key_in_keychain_falls_back(data_dir: Path, memory_keyring) -> None:
    cid = read_keyfile(DataDir(data_dir).keyfile).clinic_id
    keystore.save_key(cid, b"\x01" * 32)
    with pytest.raises(UnlockError):
        unlock(data_dir, env={})
    assert len(unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})) == 32


def test_passphrase_file(data_dir: Path, memory_keyring, tmp_path: Path) -> None:
    memory_keyring.store.clear()
    secret = tmp_path / "pass.txt"
    secret.write_text(PASS + "\n", encoding="utf-8")
    assert len(unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE_FILE": str(secret)})) == 32
    memory_keyring.store.clear()
    with pytest.raises(UnlockError, match="cannot be read"):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE_FILE": str(tmp_path / "nope")})


def test_not_our_files(tmp_path: Path) -> None:
    root = tmp_path / "c"
    create(root)
    ddir = DataDir(root)
    ddir.keyfile.write_text("{not json", encoding="utf-8")
    with pytest.raises(NotOurFile, match="key file"):
        unlock(root, env={})
    other = tmp_path / "other"
    create(other)
    data = DataDir(other).db.read_bytes()
    DataDir(other).db.write_bytes(data[:1000])
    with pytest.raises(NotOurFile, match="truncated"):
        open_clinic(other)


def test_recovery_code_normalisation() -> None:
    assert (
        normalize_recovery_code("abcde fghjk mnpqr stvwx yz012") == "ABCDE-FGHJK-MNPQR-STVWX-YZ012"
    )
    assert normalize_recovery_code("oooo") is None
    assert normalize_recovery_code("ABCDE-FGHJK-MNPQR-STVWX-YZ01U") is None


def test_rekey_changes_key_keeps_rows(data_dir: Path, memory_keyring) -> None:
    db = open_clinic(data_dir)
    with db.write() as s:
        s.execute(text("CREATE TABLE probe(x)"))
        s.execute(text("INSERT INTO probe VALUES ('kept')"))
    db.close()
    old_key = unlock(data_dir, env={})
    result = rekey(data_dir, old_key, passphrase="a brand new passphrase")
    assert unlock(data_dir, env={}) != old_key
    memory_keyring.store.clear()
    with pytest.raises(UnlockError):
        unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    db = open_clinic(data_dir, env={"RECEPTIONIST_PASSPHRASE": result.recovery_code})
    with db.read() as s:
        assert s.execute(text("SELECT x FROM probe")).scalar_one() == "kept"
    assert check(db).ok
    db.close()
    kinds = {s.kind for s in read_keyfile(DataDir(data_dir).keyfile).slots}
    assert kinds == {"recovery", "passphrase"}


def test_interrupted_rekey_still_unlocks_with_old_secret(
    data_dir: Path, memory_keyring, monkeypatch
) -> None:
    """Die after the swap but before the final key file: the old passphrase still works."""
    import receptionist.rekey as rk

    old_key = unlock(data_dir, env={})
    real_write = rk.write_keyfile
    calls = {"n": 0}

    def dying_write(path, keyfile):  # second write is the final one
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("power cut")
        real_write(path, keyfile)

    monkeypatch.setattr(rk, "write_keyfile", dying_write)
    with pytest.raises(KeyboardInterrupt):
        rekey(data_dir, old_key)
    memory_keyring.store.clear()
    key = unlock(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS})
    assert key != old_key
    open_clinic(data_dir, env={"RECEPTIONIST_PASSPHRASE": PASS}).close()
    assert len(db_files(DataDir(data_dir).db)) >= 1


def test_check_reports_ok(db) -> None:
    report = check(db)
    assert report.ok, report
