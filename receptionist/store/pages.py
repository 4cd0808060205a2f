"""The clinic file's pages, looked at from outside SQLite: the cheap check made at open.

SQLCipher finds a damaged page only when something reads it, so a command that never
reads the bad page would answer from, or write into, a damaged file. ``check`` reads
every page, but takes a minute on a large clinic; at open we look at what is cheap and
catches the common damage (a copy cut short, a bad last sector):

- the file holds whole pages (SQLite itself refuses a file shorter than the page
  count in its header, when it first reads the schema);
- the last page of the file is authentic: its HMAC verifies.

Both only when the WAL holds no frames: while it does (another process has the file
open, or one crashed), a page of the file may be stale, or torn by a checkpoint cut
short, and legitimately so, since the WAL holds its good copy.

The HMAC is SQLCipher 4's (its defaults, which this app never changes): each page ends
with a 16-byte IV and a 64-byte HMAC-SHA512 over the page's ciphertext, its IV and the
page number (4 bytes, little-endian); the HMAC key is PBKDF2-HMAC-SHA512 of the raw
data key, with the file's 16-byte salt XOR 0x3a, 2 iterations, 32 bytes. Page 1 begins
with that salt and is authenticated from byte 16. Page 1 has just been decrypted by
SQLCipher, so it is checked first: if our reading of the format disagrees with it, the
check says nothing rather than call a sound file damaged.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

SALT_BYTES = 16
HMAC_BYTES = 64
HMAC_SALT_MASK = 0x3A
FAST_KDF_ITERATIONS = 2
WAL_HEADER_BYTES = 32
WAL_FRAME_HEADER_BYTES = 24
READS = 3  # a page read while another process writes it may come back torn: read again


def wal_frames(path: Path, page_size: int) -> int:
    """How many frames the WAL beside ``path`` can hold (0 when there is none)."""
    wal = Path(f"{path}-wal")
    try:
        size = wal.stat().st_size
    except FileNotFoundError:
        return 0
    return max(0, size - WAL_HEADER_BYTES) // (WAL_FRAME_HEADER_BYTES + page_size)


def problem(conn: Any, path: Path, key: bytes) -> str | None:
    """What is wrong with the file's pages, for the log (never shown: it is technical),
    or None. ``conn`` is keyed and has read the schema; the look is taken inside one
    read transaction, so a checkpoint cannot truncate the file under it."""
    conn.execute("BEGIN")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the read snapshot
        # int(): SQLCipher answers PRAGMA page_size with text ("4096").
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
        if wal_frames(path, page_size):
            return None  # the file's pages may be stale, or torn by a crash, their copy there
        size = path.stat().st_size
        in_file = size // page_size
        if size % page_size:
            return f"the file ends inside a page ({size} bytes, pages of {page_size})"
        if in_file > 1 and not last_page_authentic(path, key, page_size):
            return f"the last page ({in_file}) fails its HMAC"
        return None
    finally:
        conn.execute("ROLLBACK")


def last_page_authentic(path: Path, key: bytes, page_size: int) -> bool:
    """Whether the file's last page carries a valid HMAC (True when page 1, which
    SQLCipher has just read, does not verify by our reading of the format)."""
    with path.open("rb") as fh:
        first = fh.read(page_size)
        last_no = fh.seek(0, 2) // page_size
        if len(first) < page_size or not authentic(first, 1, _hmac_key(key, first)):
            return True
        mac_key = _hmac_key(key, first)
        for _ in range(READS):
            fh.seek((last_no - 1) * page_size)
            if authentic(fh.read(page_size), last_no, mac_key):
                return True
    return False


def _hmac_key(key: bytes, first_page: bytes) -> bytes:
    salt = bytes(b ^ HMAC_SALT_MASK for b in first_page[:SALT_BYTES])
    return hashlib.pbkdf2_hmac("sha512", key, salt, FAST_KDF_ITERATIONS, 32)


def authentic(page: bytes, number: int, mac_key: bytes) -> bool:
    """Whether ``page`` (page ``number``, counted from 1) carries a valid HMAC."""
    if len(page) <= SALT_BYTES + HMAC_BYTES:
        return False
    start = SALT_BYTES if number == 1 else 0
    body, mac = page[start:-HMAC_BYTES], page[-HMAC_BYTES:]
    expected = hmac.new(mac_key, body + number.to_bytes(4, "little"), hashlib.sha512).digest()
    return hmac.compare_digest(expected, mac)
