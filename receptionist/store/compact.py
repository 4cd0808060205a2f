"""Give a clinic file's free pages back to the disk.

SQLite reuses the pages that deleted rows and dropped indexes leave, but never
shrinks the file by itself: after an upgrade that rebuilds an index (0008, 0009) or
a retention sweep, a large clinic's file can be a fifth free pages. ``compact``
rewrites it without them (``sidecopy``: written beside, checked, swapped in by one
rename), which also puts each table's pages back in order. The desktop app must be
closed; the key does not change.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from receptionist.errors import DiskFull
from receptionist.store.lock import InstanceLock, exclusive_use
from receptionist.store.sidecopy import require_room, swap_in, write_side_copy
from receptionist.store.storage import files_size, is_disk_full, raw_connect
from receptionist.store.vault import DataDir
from receptionist.texts import QT_TRANSLATE_NOOP, Text


@dataclass(frozen=True)
class Compacted:
    before: int  # bytes of the database and its WAL files
    after: int
    seconds: float


def compact(root: Path, key: bytes, *, on_copy: Callable[[], None] | None = None) -> Compacted:
    """Rewrite the clinic file without its free pages; nothing else changes.
    ``on_copy`` is told when the copy (the long part) begins."""
    ddir = DataDir(Path(root))
    started = time.monotonic()
    with InstanceLock(ddir.lock), exclusive_use(ddir.db):
        raw_connect(ddir.db, key).close()  # proves the key before anything is written
        before = files_size(ddir.db)
        require_room(
            ddir.db,
            QT_TRANSLATE_NOOP(
                "core",
                "Compacting writes a new copy of the clinic in {path}, which needs "
                "{needed} free; the disk has {free}. Free some space and try again; "
                "nothing was changed.",
            ),
        )
        if on_copy is not None:
            on_copy()
        try:
            side = write_side_copy(ddir.db, key, key, suffix=".compact")
        except BaseException as exc:
            if is_disk_full(exc):
                raise DiskFull(
                    Text(
                        QT_TRANSLATE_NOOP(
                            "core",
                            "The disk holding {path} filled up while the compact copy was "
                            "written; nothing was changed. Free some space and try again.",
                        ),
                        path=str(ddir.root),
                    )
                ) from exc
            raise
        swap_in(side, ddir.db)
        after = files_size(ddir.db)
    return Compacted(before, after, time.monotonic() - started)
