"""One running desktop app per clinic data folder: an OS file lock.

The OS drops the lock when the process dies, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .errors import InstanceLocked
from .texts import QT_TRANSLATE_NOOP, Text


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = self.path.open("a+b")
        try:
            _lock(fh)
        except OSError as exc:
            fh.close()
            raise InstanceLocked(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "Receptionist is already running on this clinic's data on this computer.",
                    )
                )
            ) from exc
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()).encode())
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def _lock(fh: IO[bytes]) -> None:
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


class SharedUse:
    """Held (shared) by every open Database; ``rekey`` and ``compact`` need it
    exclusively.

    So a file is never swapped under a process that still has it open, which would go
    on writing into the old, unlinked file. POSIX only: on Windows the app lock and
    SQLite's own locking are what we have.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(db_path.name + ".inuse")
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        if os.name != "posix":  # pragma: no cover - Windows
            return
        import fcntl

        fh = self.path.open("a+b")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            fh.close()
            raise InstanceLocked(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The clinic file is being rewritten right now (a new key, or "
                        "compacting); try again in a few minutes.",
                    )
                )
            ) from exc
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@contextmanager
def exclusive_use(db_path: Path) -> Iterator[None]:
    """Sole use of the database file, or InstanceLocked naming what to close."""
    if os.name != "posix":  # pragma: no cover - Windows
        yield
        return
    import fcntl

    path = db_path.with_name(db_path.name + ".inuse")
    with path.open("a+b") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            raise InstanceLocked(
                Text(
                    QT_TRANSLATE_NOOP(
                        "core",
                        "The clinic's data is open elsewhere: close the Receptionist app and any "
                        "other Receptionist command on this clinic, then try again.",
                    )
                )
            ) from exc
        yield
