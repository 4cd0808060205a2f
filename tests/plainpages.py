"""The clinic file's pages decrypted outside SQLite, for tests that look for bytes.

SQLCipher 4 with a raw key (this app's only way): the 32-byte data key is the AES-256
key itself; each page ends with 80 reserved bytes (a 16-byte IV, then a 64-byte
HMAC), and page 1 begins with the 16-byte salt, the rest encrypted in CBC mode. WAL
frames (a 24-byte header each, after the WAL's 32-byte header) hold pages in the same
form. Every page is decrypted, those in use and the free ones alike, so a test sees
what someone holding the key could carve from the file, not only what SQL shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

RESERVED, IV, SALT = 80, 16, 16
WAL_HEADER, FRAME_HEADER = 32, 24


def decrypt_page(page: bytes, number: int, key: bytes) -> bytes:
    start = SALT if number == 1 else 0
    iv = page[-RESERVED : -RESERVED + IV]
    body = page[start:-RESERVED]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(body) + decryptor.finalize()


def pages(db_path: Path, key: bytes, page_size: int = 4096) -> Iterator[bytes]:
    """Every page of the file and of its WAL, decrypted."""
    data = db_path.read_bytes()
    for at in range(0, len(data) - page_size + 1, page_size):
        yield decrypt_page(data[at : at + page_size], at // page_size + 1, key)
    wal = Path(f"{db_path}-wal")
    if wal.exists():
        frames = wal.read_bytes()[WAL_HEADER:]
        step = FRAME_HEADER + page_size
        for at in range(0, len(frames) - step + 1, step):
            number = int.from_bytes(frames[at : at + 4], "big")
            page = frames[at + FRAME_HEADER : at + step]
            yield decrypt_page(page, number, key)


def holds(db_path: Path, key: bytes, needle: bytes) -> bool:
    """Whether any page, decrypted, holds ``needle``."""
    return any(needle in page for page in pages(db_path, key))
