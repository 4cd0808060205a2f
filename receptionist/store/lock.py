"""One running desktop app per clinic data folder: an OS file lock.

The OS drops the lock when the process dies, so a crash never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Protocol

from receptionist.errors import InstanceLocked
from receptionist.store.folder import make_private_dir
from receptionist.texts import QT_TRANSLATE_NOOP, Text


class InstanceLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def acquire(self) -> None:
        make_private_dir(self.path.parent)
        fh = open_private(self.path)
        try:
            lock_fd(fh.fileno())
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
            _unlock(self._fh)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> InstanceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_fd(fd: int) -> None:
    """An exclusive lock on the open file ``fd``, not waited for: OSError if held
    (``flock``; on Windows its first byte's lock). Here and ``ops.tempfiles``."""
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(fh: IO[bytes]) -> None:
    """Let go of :func:`lock_fd`'s lock now, before ``fh`` is closed. Closing would drop
    it too, but Windows drops the locks of a closed handle only when the system gets to
    it ("depends upon available system resources"), and a waiter could time out in
    between; on POSIX another holder of the same open file (a duplicated descriptor)
    would keep it."""
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import msvcrt

        fh.seek(0)
        with contextlib.suppress(OSError):  # not held: nothing to let go of
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


class SharedUse:
    """Held (shared) by every open Database; ``rekey`` and ``compact`` need it
    exclusively.

    So a file is never swapped under a process that still has it open, which would go
    on writing into the old, unlinked file (POSIX) or fail half-way through the swap
    (Windows, where an open file cannot be replaced).

    POSIX has shared and exclusive whole-file locks (``flock``). Windows byte-range
    locks are exclusive only, so there a shared holder locks one byte of its own among
    ``SLOTS`` (any free one), and the exclusive holder locks all of them: it gets them
    only when no shared holder is left, and while it holds them no one gets a slot.
    """

    def __init__(self, db_path: Path) -> None:
        self.path = use_file(db_path)
        self._fh: IO[bytes] | None = None
        self._slot: int | None = None

    def acquire(self) -> None:
        fh = open_private(self.path)
        try:
            if RANGES is None:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
            else:
                self._slot = _free_slot(RANGES, fh)
        except InstanceLocked:
            fh.close()
            raise
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
            if RANGES is not None and self._slot is not None:
                RANGES.unlock(self._fh, self._slot, 1)
            self._fh.close()
            self._fh = None
            self._slot = None


@contextmanager
def exclusive_use(db_path: Path) -> Iterator[None]:
    """Sole use of the database file, or InstanceLocked naming what to close."""
    with open_private(use_file(db_path)) as fh:
        try:
            if RANGES is None:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            elif not RANGES.lock(fh, REWRITE_BYTE, FIRST_SLOT + SLOTS):
                raise OSError("a shared holder has a slot")
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
        try:
            yield
        finally:
            if RANGES is not None:
                RANGES.unlock(fh, REWRITE_BYTE, FIRST_SLOT + SLOTS)


@contextmanager
def waited(path: Path, *, seconds: float = 10.0) -> Iterator[bool]:
    """An exclusive lock on the file ``path`` (made, owner-only, if missing), waited
    for up to ``seconds``, for a short read-modify-write of a small file that several
    processes change. Yields whether it is held: False when the file cannot be made or
    locked in time (a folder not writable; a holder that hangs), and the caller goes
    on unlocked. The lock is let go of explicitly (:func:`_unlock`) before the file is
    closed, on every platform; the OS drops the lock of a process that dies."""
    try:
        fh = open_private(path)
    except OSError:
        yield False
        return
    with fh:
        deadline = time.monotonic() + seconds
        while not (locked := _try_lock(fh)) and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            yield locked
        finally:
            if locked:
                _unlock(fh)


def _try_lock(fh: IO[bytes]) -> bool:
    try:
        lock_fd(fh.fileno())
    except OSError:
        return False
    return True


def open_private(path: Path) -> IO[bytes]:
    """A lock file opened for reading and appending, made owner-only (0600) like every
    file in the data folder; one an earlier version left with another mode is put right."""
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    if os.name == "posix":
        with contextlib.suppress(OSError):  # not ours to change: it still locks
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
    return os.fdopen(fd, "a+b")


def use_file(db_path: Path) -> Path:
    """The lock file beside the database that shared and sole use are taken on."""
    return db_path.with_name(db_path.name + ".inuse")


# The Windows scheme (see SharedUse): shared holders lock one of bytes 1..SLOTS; sole
# use locks those and byte 0, which tells a rewrite from every slot being taken.
REWRITE_BYTE = 0
FIRST_SLOT = 1
SLOTS = 64


class ByteRanges(Protocol):
    """Exclusive, non-blocking locks on byte ranges of an open file, held per handle."""

    def lock(self, fh: IO[bytes], offset: int, length: int) -> bool: ...

    def unlock(self, fh: IO[bytes], offset: int, length: int) -> None: ...


class WindowsRanges:  # pragma: no cover - exercised on Windows only
    """``msvcrt.locking``: LockFile on the bytes from the file position."""

    def lock(self, fh: IO[bytes], offset: int, length: int) -> bool:
        import msvcrt

        fh.seek(offset)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, length)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True

    def unlock(self, fh: IO[bytes], offset: int, length: int) -> None:
        import msvcrt

        fh.seek(offset)
        with contextlib.suppress(OSError):  # closing the handle drops it anyway
            msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, length)  # type: ignore[attr-defined]


class RecordRanges:
    """POSIX record locks (``lockf``), exclusive-only like Windows' between processes:
    what the tests run the Windows scheme on."""

    def lock(self, fh: IO[bytes], offset: int, length: int) -> bool:
        import fcntl

        try:
            fcntl.lockf(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB, length, offset)
        except OSError:
            return False
        return True

    def unlock(self, fh: IO[bytes], offset: int, length: int) -> None:
        import fcntl

        fcntl.lockf(fh.fileno(), fcntl.LOCK_UN, length, offset)


# The byte-range scheme on Windows; whole-file ``flock`` elsewhere. Tests set
# RecordRanges here to run the Windows scheme on POSIX.
RANGES: ByteRanges | None = WindowsRanges() if os.name == "nt" else None


def _free_slot(ranges: ByteRanges, fh: IO[bytes]) -> int:
    """Lock one free slot, tried in random order so holders rarely collide; OSError
    if a rewrite holds them all, InstanceLocked if shared holders took every one."""
    for slot in random.sample(range(FIRST_SLOT, FIRST_SLOT + SLOTS), SLOTS):
        if ranges.lock(fh, slot, 1):
            return slot
    if not ranges.lock(fh, REWRITE_BYTE, 1):
        raise OSError("no free slot: the file is held for sole use")
    ranges.unlock(fh, REWRITE_BYTE, 1)  # no rewrite: every slot is someone's
    raise InstanceLocked(
        Text(
            QT_TRANSLATE_NOOP(
                "core",
                "{count} Receptionist programs already have this clinic open on this "
                "computer; close some of them and try again.",
            ),
            count=SLOTS,
        )
    )
