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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from receptionist.errors import DiskFull, UserError
from receptionist.store.storage import (
    BUSY_TIMEOUT_MS,
    create_private,
    damage_error,
    db_files,
    files_size,
    fsync_dir,
    human_size,
    is_damage,
    key_pragma_value,
    raw_connect,
    space_short,
)
from receptionist.texts import QT_TRANSLATE_NOOP, Text

log = logging.getLogger(__name__)
SUFFIXES = (".rekey", ".compact")  # of the side files of rekey and compact


class ChangedDuringCopy(UserError):
    """Another program wrote to the clinic while it was being copied. Every Receptionist
    process holds shared use, which the rewrite holds exclusively, so only a program
    that is not ours (a hand-run ``sqlite3``, a sync tool) can do that."""


@dataclass(frozen=True)
class SideCopy:
    path: Path
    source: tuple[int, int, int]  # the database's (size, mtime, WAL size) when copied


def require_room(db_path: Path, refusal: str) -> None:
    """DiskFull with ``refusal`` (a QT_TRANSLATE_NOOP template taking {path},
    {needed} and {free}) unless the disk can hold one more copy of the database."""
    short = space_short(db_path, files_size(db_path))
    if short is not None:
        raise DiskFull(Text(refusal, path=str(db_path.parent), needed=short[0], free=short[1]))


def write_side_copy(db_path: Path, key: bytes, new_key: bytes, *, suffix: str) -> SideCopy:
    """The clinic copied under ``new_key`` to ``<db><suffix>``, checked and on disk.

    ``sqlcipher_export`` writes every table and index afresh (the planner's
    statistics included), so the copy holds no free pages. The copy must hold the
    same schema and version as the database, opened without creating anything (a
    side file deleted under us must not pass as an empty database). If anything
    fails, no part of the copy is left."""
    remove_side_files(db_path)
    side = db_path.with_name(db_path.name + suffix)
    create_private(side)
    try:
        conn = raw_connect(db_path, key)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            source = _stamp(db_path)
            conn.execute(f"ATTACH DATABASE ? AS side KEY {key_pragma_value(new_key)}", (str(side),))
            # The copy is empty: its pages can still be laid out so that a retention
            # sweep's freed pages are given back (`incremental_vacuum`).
            conn.execute("PRAGMA side.auto_vacuum = INCREMENTAL")
            conn.execute("SELECT sqlcipher_export('side')")
            version = conn.execute("PRAGMA main.user_version").fetchone()[0]
            conn.execute(f"PRAGMA side.user_version = {int(version)}")
            conn.execute("DETACH DATABASE side")
            expected = _shape(conn)
        finally:
            conn.close()
        check = sqlcipher3.connect(
            side.resolve().as_uri() + "?mode=rw", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
        )
        try:
            check.execute("PRAGMA cipher_log_level = NONE")
            check.execute(f"PRAGMA key = {key_pragma_value(new_key)}")
            if _shape(check) != expected:
                raise RuntimeError("the side copy does not hold the clinic's schema")
        finally:
            check.close()
        with side.open("rb+") as fh:
            os.fsync(fh.fileno())
    except BaseException as exc:
        _remove(side)
        if is_damage(exc):  # a page of the clinic failed its check while it was copied
            raise damage_error("met while copying the clinic", exc) from exc
        raise
    return SideCopy(side, source)


def swap_in(copy: SideCopy, db_path: Path) -> None:
    """Replace the database with the copy in one rename (its old WAL files go first:
    they belong to the old file), unless the database changed since it was copied."""
    if _stamp(db_path) != copy.source:
        _remove(copy.path)
        raise ChangedDuringCopy(
            Text(
                QT_TRANSLATE_NOOP(
                    "core",
                    "Another program (a backup or sync tool, or sqlite3) changed the clinic "
                    "file while it was being copied; nothing was changed. Pause that "
                    "program and try again.",
                )
            )
        )
    for stale in db_files(db_path)[1:]:
        stale.unlink()
    os.replace(copy.path, db_path)
    fsync_dir(db_path.parent)


def remove_side_files(db_path: Path) -> None:
    """Delete the side files of earlier rewrites. The caller holds sole use."""
    for suffix in SUFFIXES:
        _remove(db_path.with_name(db_path.name + suffix))


def remove_leftovers(db_path: Path) -> None:
    """Delete side files that a killed ``rekey`` or ``compact`` left behind.

    Call it holding shared use of the database (an open ``Database``): no rewrite is
    running then, and until its one rename a rewrite leaves the database whole, so a
    side file is only ever disk space. Never fails the open."""
    for suffix in SUFFIXES:
        for leftover in _side_files(db_path.with_name(db_path.name + suffix)):
            with contextlib.suppress(OSError):
                size = leftover.stat().st_size
                leftover.unlink()
                log.info(
                    "removed %s (%s) left by an interrupted rewrite",
                    leftover.name,
                    human_size(size),
                )


def _side_files(side: Path) -> list[Path]:
    """The side database and its journals: the attached copy is written in rollback
    mode, so a killed export leaves a ``-journal`` too."""
    return [*db_files(side), *(p for p in [Path(f"{side}-journal")] if p.exists())]


def _remove(side: Path) -> None:
    for path in _side_files(side):
        path.unlink()


def _shape(conn: Any) -> tuple[int, list[tuple[str, str]]]:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    schema = conn.execute("SELECT type, name FROM sqlite_master ORDER BY type, name").fetchall()
    return version, [tuple(row) for row in schema]


def _stamp(db_path: Path) -> tuple[int, int, int]:
    stat = db_path.stat()
    wal = Path(f"{db_path}-wal")
    return stat.st_size, stat.st_mtime_ns, wal.stat().st_size if wal.exists() else 0
