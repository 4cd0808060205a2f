"""Shared and sole use of a clinic file under the Windows scheme (receptionist.store.lock).

Windows byte-range locks are exclusive only, so there shared use is one locked byte
among ``SLOTS`` and sole use is all of them. The scheme runs here on POSIX record
locks (``RecordRanges``), which, like Windows' locks, exclude other processes; the
holders are therefore child processes. (Record locks are per process, where Windows'
are per handle, so two holders inside one process cannot be tried here.)
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from receptionist.demo.clinic import DEMO_PASSPHRASE
from receptionist.errors import InstanceLocked
from receptionist.store import lock
from receptionist.store.vault import DataDir

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the scheme is run on POSIX locks")

# Imports only what the lock needs (the demo clinic's package cost each holder 0.8 s).
HOLDER = """
import sys
from pathlib import Path
from receptionist.store import lock
from receptionist.errors import InstanceLocked

lock.RANGES = lock.RecordRanges()
what, path, lock.SLOTS = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
try:
    if what == "shared":
        use = lock.SharedUse(path)
        use.acquire()
        print("held", use._slot, flush=True)
    elif what == "exclusive":
        sole = lock.exclusive_use(path)  # kept: a dropped one would end at once
        sole.__enter__()
        print("held", flush=True)
    else:
        import os
        from receptionist.store.vault import open_clinic

        db = open_clinic(path, env=os.environ)
        print("held", flush=True)
except InstanceLocked as exc:
    print("refused", exc, flush=True)
    sys.exit(0)
sys.stdin.readline()  # hold until the test closes our stdin
"""


class Holder:
    def __init__(self, what: str, path: Path, slots: int = lock.SLOTS, **extra_env: str) -> None:
        env = dict(os.environ) | extra_env
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, what, str(path), str(slots)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert self.proc.stdout is not None
        self.answer = self.proc.stdout.readline().strip()

    @property
    def held(self) -> bool:
        return self.answer.startswith("held")

    def release(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.stdout.close()


@pytest.fixture
def windows_scheme(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(lock, "RANGES", lock.RecordRanges())
    yield


def _sole_use_refused(db_path: Path) -> bool:
    try:
        with lock.exclusive_use(db_path):
            return False
    except InstanceLocked as exc:
        assert "open elsewhere" in str(exc)
        return True


def test_shared_holders_share_and_keep_sole_use_out(tmp_path: Path, windows_scheme) -> None:
    db_path = tmp_path / "clinic.db"
    holders = [Holder("shared", db_path) for _ in range(3)]
    try:
        assert all(h.held for h in holders), [h.answer for h in holders]
        slots = {int(h.answer.split()[1]) for h in holders}
        assert len(slots) == 3 and slots <= set(range(lock.FIRST_SLOT, lock.SLOTS + 1))
        for holder in holders:
            assert _sole_use_refused(db_path)
            holder.release()
    finally:
        for holder in holders:
            if holder.proc.poll() is None:
                holder.release()
    assert not _sole_use_refused(db_path), "the last holder gone, sole use is granted"


def test_sole_use_keeps_new_holders_out_until_it_ends(tmp_path: Path, windows_scheme) -> None:
    db_path = tmp_path / "clinic.db"
    with lock.exclusive_use(db_path):
        late = Holder("shared", db_path)
        late.release()
        assert late.answer.startswith("refused") and "being rewritten" in late.answer
    after = Holder("shared", db_path)
    try:
        assert after.held, after.answer
    finally:
        after.release()


def test_sole_use_held_elsewhere_refuses_sole_use_here(tmp_path: Path, windows_scheme) -> None:
    db_path = tmp_path / "clinic.db"
    other = Holder("exclusive", db_path)
    try:
        assert other.held, other.answer
        assert _sole_use_refused(db_path)
    finally:
        other.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path, windows_scheme) -> None:
    db_path = tmp_path / "clinic.db"
    holder = Holder("shared", db_path)
    assert holder.held, holder.answer
    assert _sole_use_refused(db_path)
    holder.kill()
    assert not _sole_use_refused(db_path)


def test_compact_refused_while_a_command_has_the_clinic_open(
    cli_env: Path, windows_scheme, capsys
) -> None:
    """The end-to-end case the scheme is for: on Windows a CLI command (no app lock)
    holding the clinic used to go unseen, and the swap failed half-way."""
    from receptionist.cli.main import main

    data_dir = cli_env
    assert main(["demo", "--patients", "20", "--appointments", "40", "--providers", "2"]) == 0
    db_path = DataDir(data_dir).db
    command = Holder("database", data_dir, RECEPTIONIST_PASSPHRASE=DEMO_PASSPHRASE)
    try:
        assert command.held, command.answer
        before = hashlib.sha256(db_path.read_bytes()).hexdigest()
        assert main(["compact"]) == 3
        assert "open elsewhere" in capsys.readouterr().err
        assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before
        assert not list(data_dir.glob("clinic.db.compact*"))
    finally:
        command.release()
    assert main(["compact"]) == 0


def test_every_slot_taken_is_told_apart_from_a_rewrite(
    tmp_path: Path, windows_scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every slot held (two here, 64 in use), the next open says so; it is not
    told that the file is being rewritten."""
    monkeypatch.setattr(lock, "SLOTS", 2)
    db_path = tmp_path / "clinic.db"
    holders = [Holder("shared", db_path, slots=2) for _ in range(2)]
    try:
        assert all(h.held for h in holders), [h.answer for h in holders]
        third = Holder("shared", db_path, slots=2)
        third.release()
        assert third.answer.startswith("refused 2 Receptionist programs already have this")
    finally:
        for holder in holders:
            holder.release()
    with lock.exclusive_use(db_path):
        late = Holder("shared", db_path, slots=2)
        late.release()
        assert "being rewritten" in late.answer
