"""A process killed with SIGKILL mid-way through a bulk write loses nothing committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from receptionist.errors import InstanceLocked
from receptionist.models import Room
from receptionist.store.integrity import check
from receptionist.store.vault import open_clinic

pytestmark = pytest.mark.slow

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from receptionist.models import Room
    from receptionist.store.vault import open_clinic

    db = open_clinic(sys.argv[1])
    now = datetime.now(UTC)
    batch = 0
    while True:
        with db.write() as s:
            s.add_all(
                Room(name=f"room {batch}-{i}", created_at=now, updated_at=now)
                for i in range(200)
            )
        batch += 1
        print(batch, flush=True)
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_during_bulk_write(data_dir: Path) -> None:
    env = dict(os.environ)
    env["RECEPTIONIST_PASSPHRASE"] = "correct horse battery"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    committed = 0
    for line in proc.stdout:
        committed = int(line)
        if committed >= 25:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    assert committed >= 25

    db = open_clinic(data_dir)
    try:
        assert check(db).ok
        with db.read() as s:
            rows = s.scalar(select(func.count()).select_from(Room))
        assert rows is not None
        assert rows >= committed * 200, "every committed batch survives"
        assert rows % 200 == 0, "no half-written batch"
    finally:
        db.close()


COMPACTOR = textwrap.dedent(
    """
    import os, sys, time
    from receptionist.store import compact, sidecopy
    from receptionist.store.vault import unlock

    real = sidecopy.swap_in

    def stop_before_swap(side, db_path):
        print(os.path.getsize(side.path), flush=True)  # the copy is written and checked
        time.sleep(600)  # killed here, before the one rename
        real(side, db_path)

    compact.swap_in = stop_before_swap
    compact.compact(sys.argv[1], unlock(sys.argv[1]))
    """
)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_during_compact(data_dir: Path) -> None:
    """Killed with its copy written but not yet swapped in, compact leaves the clinic
    whole; the next open removes the leftover copy."""
    db = open_clinic(data_dir)
    with db.write() as s:
        now = datetime.now(UTC)
        s.add_all(Room(name=f"room {i}", created_at=now, updated_at=now) for i in range(500))
    db.close()
    env = dict(os.environ)
    env["RECEPTIONIST_PASSPHRASE"] = "correct horse battery"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen(
        [sys.executable, "-c", COMPACTOR, str(data_dir)], stdout=subprocess.PIPE, env=env, text=True
    )
    assert proc.stdout is not None
    assert int(proc.stdout.readline()) > 0
    side = data_dir / "clinic.db.compact"
    assert side.exists()
    with pytest.raises(InstanceLocked, match="being rewritten"):
        open_clinic(data_dir)  # no open while a rewrite runs, so no cleanup under it
    assert side.exists()
    (data_dir / "clinic.db.compact-journal").write_bytes(b"as a kill mid-export leaves it")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()

    db = open_clinic(data_dir)
    try:
        assert not list(data_dir.glob("clinic.db.compact*")), "leftovers go on the next open"
        assert check(db).ok
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Room)) == 500
    finally:
        db.close()
