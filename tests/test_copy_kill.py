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

from receptionist.ops import documents

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
