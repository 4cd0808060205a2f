"""The data folder: a clinic gets a folder of its own, and everything in it is private.

``init`` (and ``demo``) never take over a folder holding anyone else's files, never
change the mode of a folder they did not make, and make the folders they do make
owner-only. Every file Receptionist puts into the folder, through set-up, the app's
start, CLI use, ``rekey`` and ``compact``, is 0600.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from receptionist.cli.main import main
from receptionist.store.compact import compact
from receptionist.store.lock import InstanceLock, SharedUse
from receptionist.store.rekey import rekey
from receptionist.store.vault import DataDir, open_clinic, unlock

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

INIT = ["init", "--clinic-name", "Moda Dental", "--timezone", "Europe/Istanbul",
        "--region", "TR", "--admin-user", "admin"]  # fmt: skip
DEMO = ["demo", "--patients", "5", "--appointments", "5", "--providers", "1"]


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems have: files 0644 and folders 0755 unless we say otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _shared_folder(tmp_path: Path) -> Path:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "notes.txt").write_text("someone else's notes", encoding="utf-8")
    shared.chmod(0o1777)
    return shared


@pytest.mark.parametrize("command", [INIT, DEMO])
def test_a_shared_folder_with_others_files_is_refused_and_left_as_it_was(
    tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    shared = _shared_folder(tmp_path)
    assert main(["--data-dir", str(shared), *command]) == 2
    err = capsys.readouterr().err
    assert "not Receptionist's (1, hidden ones included)" in err
    assert "nothing was set up and the folder was not changed" in err
    assert str(shared / "receptionist") in err, "and where a clinic could go instead"
    assert "notes.txt" not in err, "a file's name may be a patient's"
    assert [p.name for p in shared.iterdir()] == ["notes.txt"]
    assert _mode(shared) == 0o1777
    assert (shared / "notes.txt").read_text(encoding="utf-8") == "someone else's notes"


def test_a_hidden_file_counts_and_the_file_manager_s_litter_does_not(
    tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / ".profile").write_text("x", encoding="utf-8")
    assert main(["--data-dir", str(hidden), *INIT]) == 2
    assert "not Receptionist's" in capsys.readouterr().err
    shown = tmp_path / "shown"
    shown.mkdir()
    (shown / ".DS_Store").write_bytes(b"\0")
    (shown / "Thumbs.db").write_bytes(b"\0")
    assert main(["--data-dir", str(shown), *INIT]) == 0


def test_a_file_where_the_folder_should_be_is_refused(
    tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "clinic-file"
    taken.write_text("a file", encoding="utf-8")
    assert main(["--data-dir", str(taken), *INIT]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert main(["--data-dir", str(taken / "inside"), *INIT]) == 2
    assert f"{taken} is a file, not a folder" in capsys.readouterr().err
    assert taken.read_text(encoding="utf-8") == "a file"


def test_an_existing_empty_folder_keeps_its_mode(tmp_path: Path, cli_env: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o755)
    assert main(["--data-dir", str(mine), *INIT]) == 0
    assert _mode(mine) == 0o755, "not ours to change"
    assert all(_mode(p) == 0o600 for p in mine.iterdir())


def test_the_folders_init_makes_are_private(tmp_path: Path, cli_env: Path) -> None:
    """The data folder and every missing folder above it (``~/.local/share`` on a
    new account) are made 0700; the ones that were there keep their mode."""
    base = tmp_path / "home"
    base.mkdir(mode=0o755)
    root = base / ".local" / "share" / "receptionist"
    assert main(["--data-dir", str(root), *INIT]) == 0
    assert [_mode(p) for p in (base / ".local", root.parent, root)] == [0o700] * 3
    assert _mode(base) == 0o755


def test_the_default_folder_with_the_demo_inside_takes_a_clinic(
    tmp_path: Path, cli_env: Path
) -> None:
    """The app keeps its demo clinic in the default data folder's ``demo`` folder."""
    root = tmp_path / "receptionist"
    assert main(["--data-dir", str(root / "demo"), *DEMO]) == 0
    assert main(["--data-dir", str(root), *INIT]) == 0


def _all_private(root: Path) -> None:
    assert _mode(root) == 0o700
    modes = {p.name: _mode(p) for p in root.iterdir()}
    assert modes == dict.fromkeys(modes, 0o600), modes


def test_every_file_in_the_folder_is_owner_only(
    cli_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(INIT) == 0
    _all_private(cli_env)
    ddir = DataDir(cli_env)
    with InstanceLock(ddir.lock):  # what the desktop app holds from its start
        _all_private(cli_env)
        assert main(["provider", "add", "Dr. Ada"]) == 0
        assert main(["patient", "add", "--given-name", "Can", "--family-name", "Öz"]) == 0
        db = open_clinic(cli_env)  # an open database, with its WAL files
        try:
            with db.read() as session:
                session.execute(text("SELECT count(*) FROM patient"))
            assert {"clinic.db-wal", "clinic.db-shm", "clinic.db.inuse", "app.lock"} <= {
                p.name for p in cli_env.iterdir()
            }
            _all_private(cli_env)
        finally:
            db.close()
    key = unlock(cli_env)
    rekeyed = rekey(cli_env, key, passphrase="a new long passphrase", show_code=print)
    _all_private(cli_env)
    compact(cli_env, rekeyed.key)
    _all_private(cli_env)
    monkeypatch.setenv("RECEPTIONIST_PASSPHRASE", "a new long passphrase")
    capsys.readouterr()
    assert main(["--json", "provider", "list"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "Dr. Ada"
    _all_private(cli_env)


def test_a_lock_file_an_earlier_version_left_open_to_all_is_made_owner_only(
    data_dir: Path,
) -> None:
    ddir = DataDir(data_dir)
    for path in (ddir.lock, Path(f"{ddir.db}.inuse")):
        path.touch()
        path.chmod(0o644)
    with InstanceLock(ddir.lock):
        held = SharedUse(ddir.db)
        held.acquire()
        held.release()
    assert _mode(ddir.lock) == 0o600 and _mode(Path(f"{ddir.db}.inuse")) == 0o600
