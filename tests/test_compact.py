"""``receptionist compact``: the file's free pages go back to the disk, nothing else
changes, and it refuses (changing nothing) while the app runs or the disk is short."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from templates import Template, cli_env_for, make_template

from receptionist.cli.main import main
from receptionist.store import integrity, sidecopy, storage
from receptionist.store.lock import InstanceLock
from receptionist.store.storage import raw_connect
from receptionist.store.vault import DataDir, open_clinic, unlock

TABLES = ("patient", "appointment", "audit_event", "card_kind", "sqlite_stat1")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Template[None]:
    """The clinic of :func:`clinic`, made once for the module."""
    root = tmp_path_factory.mktemp("compact") / "clinic"
    return make_template(root, _demo_with_free_pages, env=cli_env_for(root))


@pytest.fixture
def clinic(cli_env: Path, made: Template[None]) -> Path:
    """This test's own demo clinic with ~8 MB of free pages inside its file."""
    made.copy_to(cli_env)
    return cli_env


def _demo_with_free_pages(root: Path) -> None:
    """A demo clinic with ~8 MB of free pages inside its file (a dropped table)."""
    assert main(["demo", "--patients", "200", "--appointments", "2000", "--providers", "3"]) == 0
    conn = raw_connect(DataDir(root).db, unlock(root, env=os.environ))
    try:
        conn.execute("ANALYZE")
        conn.execute("CREATE TABLE scratch (b BLOB)")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)"
            " INSERT INTO scratch SELECT randomblob(4000) FROM n"
        )
        conn.execute("DROP TABLE scratch")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _contents(root: Path) -> dict[str, Any]:
    db = open_clinic(root)
    try:
        with db.raw() as conn:
            rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in TABLES}
            rows["user_version"] = conn.execute("PRAGMA user_version").fetchone()
            rows["schema"] = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
        return rows
    finally:
        db.close()


def _digests(root: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.iterdir())
        if p.is_file() and not p.name.endswith((".inuse", "-shm", ".lock"))
    }


def test_compact_gives_free_pages_back_and_changes_nothing_else(
    clinic: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrity, "WORTH_COMPACTING", 1024 * 1024)
    before = _contents(clinic)
    keys = (clinic / "clinic.keys").read_bytes()
    capsys.readouterr()
    assert main(["--json", "check"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["free_bytes"] > 7_000_000, checked
    assert main(["check"]) == 0
    assert "`receptionist compact` gives it back" in capsys.readouterr().out

    assert main(["--json", "compact"]) == 0
    said = capsys.readouterr()
    done = json.loads(said.out)
    assert done["before_bytes"] - done["after_bytes"] > 7_000_000, done
    assert DataDir(clinic).db.stat().st_size == done["after_bytes"]
    assert "compact copy" in said.err, "what it is doing goes to stderr"

    after = _contents(clinic)
    audit_after = after.pop("audit_event")
    assert after == {k: v for k, v in before.items() if k != "audit_event"}
    assert audit_after[: len(before["audit_event"])] == before["audit_event"]
    new_events = [r for r in audit_after if r not in before["audit_event"]]
    assert [r[4] for r in new_events] == ["compact"], "one audit event, naming the action"
    assert (clinic / "clinic.keys").read_bytes() == keys, "same key, same slots"
    assert not list(clinic.glob("clinic.db.compact*")), "no side file left"
    if os.name == "posix":
        assert stat.S_IMODE(DataDir(clinic).db.stat().st_mode) == 0o600
    assert main(["--json", "check"]) == 0
    checked = json.loads(capsys.readouterr().out)
    assert checked["ok"] and checked["free_bytes"] == 0
    assert main(["check"]) == 0
    assert "compact" not in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0


def test_compact_refused_while_the_app_runs(clinic: Path, capsys) -> None:
    before = _digests(clinic)
    with InstanceLock(DataDir(clinic).lock):
        assert main(["compact"]) == 3
    assert "already running" in capsys.readouterr().err
    assert _digests(clinic) == before


def test_compact_refused_for_a_receptionist(clinic: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("RECEPTIONIST_USER_PASSWORD", "desk-password-1")
    assert main(["user", "add", "ayse", "--role", "receptionist"]) == 0
    before = _digests(clinic)
    assert main(["--user", "ayse", "compact"]) == 2
    assert "administrator or manager" in capsys.readouterr().err
    assert _digests(clinic) == before


def test_compact_refused_on_a_short_disk(clinic: Path, capsys, monkeypatch) -> None:
    real = shutil.disk_usage

    def usage(path: Any) -> Any:
        total, used, _ = real(path)
        return type(real(path))(total, used, 4096)

    before = _digests(clinic)
    monkeypatch.setattr(storage.shutil, "disk_usage", usage)
    assert main(["compact"]) == 1
    err = capsys.readouterr().err
    assert "Compacting writes a new copy" in err and "the disk has 4.0 KB" in err
    assert _digests(clinic) == before


def _side_copy(clinic: Path) -> tuple[Path, bytes]:
    db_path = DataDir(clinic).db
    return db_path, unlock(clinic, env=os.environ)


def test_a_change_during_the_copy_stops_the_swap(clinic: Path) -> None:
    """A program that is not ours (no shared use held) may write while the copy is
    made: the swap is refused and the clinic keeps that write."""
    db_path, key = _side_copy(clinic)
    copy = sidecopy.write_side_copy(db_path, key, key, suffix=".compact")
    conn = raw_connect(db_path, key)
    try:
        conn.execute("UPDATE clinic_setting SET value = '\"Written meanwhile\"'")
    finally:
        conn.close()
    with pytest.raises(sidecopy.ChangedDuringCopy, match="nothing was changed"):
        sidecopy.swap_in(copy, db_path)
    assert not copy.path.exists()
    conn = raw_connect(db_path, key)
    try:
        found = conn.execute("SELECT DISTINCT value FROM clinic_setting").fetchall()
        assert found == [('"Written meanwhile"',)]
    finally:
        conn.close()


def test_a_copy_deleted_under_the_check_is_never_swapped_in(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a missing file would create an empty database that passes a bare
    read: the check opens it without creating, so the clinic is never replaced by
    nothing."""
    db_path, key = _side_copy(clinic)
    before = _digests(clinic)
    real = sidecopy.sqlcipher3.connect

    def deleted_first(target: str, *args: Any, **kwargs: Any) -> Any:
        (clinic / "clinic.db.compact").unlink(missing_ok=True)
        return real(target, *args, **kwargs)

    monkeypatch.setattr(sidecopy.sqlcipher3, "connect", deleted_first)
    with pytest.raises(Exception, match="unable to open"):
        sidecopy.write_side_copy(db_path, key, key, suffix=".compact")
    monkeypatch.undo()
    assert _digests(clinic) == before
    assert not list(clinic.glob("clinic.db.compact*"))
