"""A copy of patient data killed mid-write (issue #14): a document's saved copy, or a
patient's export, is written to a temporary file in the folder chosen (a USB stick,
Downloads) that a killed writer cannot remove. Its writer holds it locked; the next
save or export into the folder removes those no one holds (``ops.tempfiles``), and
leaves one still being written. A real process, killed with SIGKILL mid-write."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from factories import make_clinic

from receptionist.context import Ctx
from receptionist.ops import documents, patients, tempfiles
from receptionist.ops import export as exporting
from receptionist.store.lock import lock_fd
from receptionist.store.storage import Database

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

# Saves a document's copy as the app does (``documents._write_private``), stopped
# after its bytes are written, before the file is made durable and named.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from receptionist.ops import documents

    def stop(fd):
        os.write(2, b"STOPPED HERE\\n")
        while True:
            signal.pause()

    os.fsync = stop
    documents._write_private(Path(sys.argv[1]), b"REFERRAL OF AYSE " * 64, False)
    """
)


def test_a_copy_killed_mid_write_is_gone_at_the_next_save_and_a_live_one_stays(
    tmp_path: Path,
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    (usb / ".receptionist-notes.tmp").write_bytes(b"a person's own file")  # not ours
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(usb / "referral.pdf")], stderr=subprocess.PIPE
    )
    try:
        assert child.stderr is not None and child.stderr.readline() == b"STOPPED HERE\n"
        [writing] = [p for p in usb.iterdir() if p.name != ".receptionist-notes.tmp"]
        assert b"REFERRAL OF AYSE" in writing.read_bytes()
        documents._write_private(usb / "letter.pdf", b"another copy", False)
        assert writing.exists(), "still being written: left alone"
    finally:
        child.kill()
        child.wait()
        if child.stderr is not None:
            child.stderr.close()
    assert writing.exists(), "the killed writer could not remove it"
    documents._write_private(usb / "letter-2.pdf", b"the next copy", False)
    assert sorted(p.name for p in usb.iterdir()) == [
        ".receptionist-notes.tmp", "letter-2.pdf", "letter.pdf"]  # fmt: skip
    assert (usb / "letter-2.pdf").read_bytes() == b"the next copy"


# The two races of the clean-up (session 15's note), each met in one process: flock
# locks belong to an open file, so a second open of it is another holder, as another
# process's would be.


def test_a_new_temporary_file_not_yet_locked_is_not_taken_for_an_abandoned_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between ``mkstemp`` and the writer's lock, its file is ours by name and unlocked:
    another export into the folder then took it for a dead writer's and removed it
    (the export failed at its end, the file gone from under it). Such a file is empty
    (its writer locks before its first byte): an empty one is left."""
    made: list[str] = []
    real = tempfiles.tempfile.mkstemp

    def mkstemp_then_another_export(**kwargs: object) -> tuple[int, str]:
        fd, path = real(**kwargs)  # type: ignore[call-overload]
        made.append(path)
        tempfiles.clear_abandoned(Path(path).parent)  # another export's clean-up, now
        return fd, path

    monkeypatch.setattr(tempfiles.tempfile, "mkstemp", mkstemp_then_another_export)
    documents._write_private(tmp_path / "letter.pdf", b"a copy", False)
    assert (tmp_path / "letter.pdf").read_bytes() == b"a copy"
    assert [p.name for p in tmp_path.iterdir()] == ["letter.pdf"]


def test_a_writer_that_finds_its_new_file_held_takes_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another export's clean-up may hold the new file's lock for a moment (to see
    whether it is abandoned) just when its writer locks it: the writer then leaves it
    and makes another, rather than write patient data into a file it does not hold."""
    real = tempfiles.tempfile.mkstemp
    held: list[int] = []

    def mkstemp_held_once(**kwargs: object) -> tuple[int, str]:
        fd, path = real(**kwargs)  # type: ignore[call-overload]
        if not held:
            other = os.open(path, os.O_RDWR)
            lock_fd(other)  # the clean-up's look, at that moment
            held.append(other)
        return fd, path

    monkeypatch.setattr(tempfiles.tempfile, "mkstemp", mkstemp_held_once)
    temp = tempfiles.make(tmp_path)
    try:
        probe = os.open(temp.path, os.O_RDWR)
        try:
            with pytest.raises(OSError):
                lock_fd(probe)  # the writer holds the file it writes
        finally:
            os.close(probe)
    finally:
        os.close(temp.fd)
        temp.release()
        os.close(held[0])
    assert [p.name for p in tmp_path.iterdir()] == [Path(temp.path).name], "the held one went"


def test_a_written_copy_waiting_for_its_name_is_not_taken_for_an_abandoned_one(
    db: Database, ctx: Ctx, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy is written and its handle closed before the file is named; an export
    waits for the database's write lock in between (its audit events). Another export
    into the folder then removed the finished copy, and the first failed at its end.
    The writer holds the file until it has its name."""
    real_place = documents.place

    def another_export_then_place(tmp: str, path: Path, replace: bool) -> None:
        assert tempfiles.clear_abandoned(path.parent) == 0
        real_place(tmp, path, replace)

    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(documents, "place", another_export_then_place)
    documents._write_private(usb / "letter.pdf", b"a copy", False)
    assert (usb / "letter.pdf").read_bytes() == b"a copy"
    monkeypatch.setattr(exporting, "place", another_export_then_place)
    with db.write() as s:
        make_clinic(s, ctx)
    pid = patients.add(db, ctx, patients.NewPatient("Ayse", "Yilmaz")).id  # type: ignore[union-attr]
    done = exporting.export_patient(db, ctx, pid, usb / "ayse.zip")
    assert done.path.stat().st_size > 0
    assert sorted(p.name for p in usb.iterdir()) == ["ayse.zip", "letter.pdf"]
