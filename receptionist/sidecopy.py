"""A whole new clinic file written beside the old one, checked, then swapped in.

``rekey`` (under a new key) and ``compact`` (under the same key, without the free
pages) both rewrite the database this way: the old file stays whole until one
atomic rename replaces it, so a crash or a full disk at any point leaves one
complete file, never a half-written one. The caller holds sole use of the file.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import sqlcipher3

from .storage import (
    BUSY_TIMEOUT_MS,
    create_private,
    db_files,
    fsync_dir,
    human_size,
    key_pragma_value,
    raw_connect,
)

log = logging.getLogger(__name__)
SUFFIXES = (".rekey", ".compact")  # of the side files of rekey and compact


def write_side_copy(db_path: Path, key: bytes, new_key: bytes, *, suffix: str) -> Path:
    """The clinic copied under ``new_key`` to ``<db><suffix>``, checked and on disk.

    ``sqlcipher_export`` writes every table and index afresh (the planner's
    statistics included), so the copy holds no free pages. If anything fails, no
    part of the copy is left."""
    side = db_path.with_name(db_path.name + suffix)
    for leftover in db_files(side):
        leftover.unlink()
    create_private(side)
    try:
        conn = raw_connect(db_path, key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute(f"ATTACH DATABASE ? AS side KEY {key_pragma_value(new_key)}", (str(side),))
            conn.execute("SELECT sqlcipher_export('side')")
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute(f"PRAGMA side.user_version = {int(version)}")
            conn.execute("DETACH DATABASE side")
        finally:
            conn.close()
        check = sqlcipher3.connect(str(side), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            check.execute("PRAGMA cipher_log_level = NONE")
            check.execute(f"PRAGMA key = {key_pragma_value(new_key)}")
            check.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            check.close()
        with side.open("rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        for partial in db_files(side):
            partial.unlink()
        raise
    return side


def swap_in(side: Path, db_path: Path) -> None:
    """Replace the database with ``side`` in one rename (its old WAL files go first:
    they belong to the old file)."""
    for stale in db_files(db_path)[1:]:
        stale.unlink()
    os.replace(side, db_path)
    fsync_dir(db_path.parent)


def remove_leftovers(db_path: Path) -> None:
    """Delete side files that a killed ``rekey`` or ``compact`` left behind.

    Call it holding shared use of the database (an open ``Database``): no rewrite is
    running then, and until its one rename a rewrite leaves the database whole, so a
    side file is only ever disk space. POSIX only, where shared use is a real lock."""
    if os.name != "posix":  # pragma: no cover - Windows
        return
    for suffix in SUFFIXES:
        for leftover in db_files(db_path.with_name(db_path.name + suffix)):
            size = leftover.stat().st_size
            with contextlib.suppress(OSError):
                leftover.unlink()
                log.info(
                    "removed %s (%s) left by an interrupted rewrite",
                    leftover.name,
                    human_size(size),
                )
