"""After a rekey the clinic's older backups still open, with the recovery code (or
passphrase) of their time: the rekey writes a backup under the new key at once, says
to keep the old code until the older backups have expired, and a backup made under an
earlier key is told as such when the secrets of now do not open it (#14, session 16)."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from templates import CLI_ENV

from receptionist.cli.main import main
from receptionist.clock import FixedClock, SystemClock
from receptionist.context import Actor, Ctx
from receptionist.ops import backups
from receptionist.store import backup as files
from receptionist.store.storage import key_id
from receptionist.store.vault import open_clinic, unlock

OLD = CLI_ENV["RECEPTIONIST_PASSPHRASE"]
NEW = "the next long passphrase"


def _init() -> int:
    return main(["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
                 "--region", "TR", "--admin-user", "admin"])  # fmt: skip


def _manifest(path: Path) -> dict[str, object]:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(files.MANIFEST))  # type: ignore[no-any-return]


def _yesterdays_backup(root: Path) -> Path:
    """A backup made a day ago (so the rotation after the rekey's keeps it)."""
    clock = FixedClock(SystemClock().now() - timedelta(days=1))
    db = open_clinic(root)
    try:
        return backups.create(db, Ctx(Actor(None, "admin", "cli"), clock), root).path
    finally:
        db.close()


def test_a_rekey_writes_a_backup_and_says_to_keep_the_old_code(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _init() == 0
    older = _yesterdays_backup(cli_env)
    old_key = unlock(cli_env)
    capsys.readouterr()
    monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", NEW)
    assert main(["rekey"]) == 0
    said = capsys.readouterr().out
    assert "The old recovery code no longer works" not in said
    assert "keep the old recovery code" in said.lower()
    assert "retention.backup_days" in said and "180 days" in said
    made = [p for p in files.found_in(cli_env / "backups") if p != older]
    assert len(made) == 1, "no backup was written after the rekey"
    assert str(made[0]) in said
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", NEW)
    new_key = unlock(cli_env)
    assert new_key != old_key
    # each backup's manifest keeps its key's fingerprint, never the key
    assert _manifest(made[0])["key_id"] == key_id(new_key)
    assert _manifest(older)["key_id"] == key_id(old_key)
    for path in (older, made[0]):
        text = json.dumps(_manifest(path))
        assert new_key.hex() not in text and old_key.hex() not in text


def test_a_backup_made_before_a_rekey_is_told_as_such(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _init() == 0
    older = _yesterdays_backup(cli_env)
    monkeypatch.setenv("RECEPTIONIST_NEW_PASSPHRASE", NEW)
    assert main(["--json", "rekey"]) == 0
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", NEW)
    capsys.readouterr()
    assert main(["--json", "backup", "verify", str(older)]) == 3
    problem = json.loads(capsys.readouterr().out)["problem"]
    assert "was made under an earlier key" in problem
    assert "recovery code (or the admin passphrase) that was current on" in problem
    before = (cli_env / "clinic.db").read_bytes()
    assert main(["--json", "backup", "restore", str(older), "--yes"]) == 3
    assert "was made under an earlier key" in json.loads(capsys.readouterr().out)["error"]
    assert (cli_env / "clinic.db").read_bytes() == before
    # the secret of its time opens it (the clinic itself opens with the keychain's key)
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", OLD)
    assert main(["backup", "verify", str(older)]) == 0
    assert "is whole" in capsys.readouterr().out
