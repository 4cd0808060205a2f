"""The device token book (``settings.tokenbook``) under several writers: each change
is a read-modify-write held under a lock file, so none is lost; a book that cannot
be written is logged once while that lasts, not at every sync round."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pytest

from receptionist.settings import pcstore, tokenbook
from receptionist.store import lock

A = "cloud:clinic-1:device-a:cloud.device_token"
B = "cloud:clinic-1:device-b:cloud.device_token"


def test_two_changes_at_once_lose_neither(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A change under way (a sweep's) holds the lock from its read to its write; a
    second one (a sync round's ``kept``) meanwhile waits for it, then reads what it
    wrote. Through the lock file alone, as between two processes: each thread opens
    the file itself, and the in-process lock is left out here."""
    monkeypatch.setattr(tokenbook, "_THREADS", contextlib.nullcontext())
    waiting, done = threading.Event(), threading.Event()
    real = lock._try_lock

    def trying(fh: object) -> bool:
        got = real(fh)  # type: ignore[arg-type]
        if not got:
            waiting.set()  # the second change waits for the lock
        return got

    def second() -> None:
        tokenbook.kept(tmp_path / "b", B)
        done.set()
        waiting.set()  # (unlocked, it would get here at once)

    monkeypatch.setattr(lock, "_try_lock", trying)
    other = threading.Thread(target=second)
    with tokenbook._changing() as book:  # the first change, between its read and write
        book.written.add(A)
        other.start()
        waiting.wait()
        assert not done.is_set(), "the second change went through the first one's lock"
    other.join()
    assert tokenbook.written() == {A, B}  # the second read what the first wrote


def test_a_book_that_cannot_be_written_is_logged_once_while_that_lasts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A sync loop names its folder at every round (``ops.replica.token``): a book it
    cannot write was logged each time. Now once, then once more after it was written
    again and failed anew."""
    monkeypatch.setattr(tokenbook, "_failing", {})
    book = pcstore.config_dir() / tokenbook.FILE_NAME
    book.mkdir(parents=True)  # not writable as a file
    caplog.set_level(logging.INFO, logger=tokenbook.__name__)

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    for n in range(3):
        tokenbook.kept(tmp_path / "a", A if n % 2 else B)  # a new name each round
    said = "device token book not {} (IsADirectoryError); said once while it lasts"
    assert warnings() == [said.format("read"), said.format("written")]
    book.rmdir()
    tokenbook.kept(tmp_path / "a", A)
    assert tokenbook.written() == {A}
    assert "device token book written again" in caplog.messages
    book.unlink()
    book.mkdir()
    tokenbook.kept(tmp_path / "a", B)
    assert len(warnings()) == 4  # a new failure: said again


def test_the_data_folders_are_looked_at_holding_no_lock(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Whether a data folder is gone is asked of the file system (``stat``), which for
    one on a share that does not answer takes long: the book's lock is not held then,
    or every other change of the book (a sync round's, a lease check's, in this process
    or another) would wait for it. What a sweep notes of the folders is the same."""
    here, gone = tmp_path / "here", tmp_path / "gone"
    here.mkdir()
    gone.mkdir()
    tokenbook.kept(here, A)
    tokenbook.kept(gone, B)
    gone_key = str(gone.resolve())
    gone.rmdir()
    lock_file = pcstore.config_dir() / tokenbook.LOCK_NAME
    held: list[bool] = []
    real_gone, real_volume = tokenbook._gone, tokenbook._volume

    def lock_held() -> bool:
        with lock.waited(lock_file, seconds=0) as got:
            return not got

    def looking_gone(folder: Path, volume: int | None) -> bool:
        held.append(lock_held())
        return real_gone(folder, volume)

    def looking_volume(folder: Path) -> int | None:
        held.append(lock_held())
        return real_volume(folder)

    monkeypatch.setattr(tokenbook, "_gone", looking_gone)
    monkeypatch.setattr(tokenbook, "_volume", looking_volume)
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    tokenbook.forgotten([], now)  # a sweep's
    tokenbook.kept(here, A)  # a sync round's
    assert len(held) >= 3 and not any(held), held
    assert tokenbook._read().gone_since == {gone_key: now}


@pytest.mark.skipif(os.name == "nt", reason="looks at the lock with fcntl.flock")
def test_the_lock_is_let_go_before_its_file_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows drops the lock of a closed handle only when the system gets to it, so a
    change lets go of the book's lock explicitly (``store.lock._unlock``), as it took
    it, before it closes the lock file: here the lock is free when the file closes."""
    import fcntl

    lock_file = pcstore.config_dir() / tokenbook.LOCK_NAME
    free_at_close: list[bool] = []
    real_open = lock.open_private

    def free() -> bool:  # through an open file of its own, as another process
        with open(lock_file, "rb") as other:
            try:
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False
            return True

    class Watched:
        def __init__(self, fh: IO[bytes]) -> None:
            self._fh = fh

        def __getattr__(self, name: str) -> Any:
            return getattr(self._fh, name)

        def __enter__(self) -> Watched:
            return self

        def __exit__(self, *exc: object) -> None:
            free_at_close.append(free())
            self._fh.close()

    def opening(path: Path) -> Any:
        fh = real_open(path)
        return Watched(fh) if path == lock_file else fh

    monkeypatch.setattr(lock, "open_private", opening)
    tokenbook.kept(pcstore.config_dir(), A)
    assert free_at_close == [True]
    assert tokenbook.written() == {A}
