"""The connection a Database opened to look at its file at open (its spare) goes to one
thread only, however the threads that ask for connections interleave (#14)."""

from __future__ import annotations

import threading
from typing import Any

from receptionist.store.storage import Database

WAIT = 30.0  # seconds: only if the hand-over deadlocked; the test never waits this long


class Spy:
    """A lock that tells when a thread arrives at it, before it waits for it."""

    def __init__(self, lock: Any, arrived: threading.Event) -> None:
        self._lock = lock
        self._arrived = arrived

    def __enter__(self) -> Any:
        if threading.current_thread().name == "second":
            self._arrived.set()
        return self._lock.__enter__()

    def __exit__(self, *exc: object) -> Any:
        return self._lock.__exit__(*exc)


class Racing(Database):
    """Reads of ``_spare`` by the thread "first" pause until "second" has read it too,
    or is waiting to: the worst interleaving, made every time rather than by chance."""

    first_read: threading.Event
    second_arrived: threading.Event

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name == "_spare":
            me = threading.current_thread().name
            if me == "first":
                self.first_read.set()
                assert self.second_arrived.wait(WAIT)
            elif me == "second":
                self.second_arrived.set()
        return value


def test_two_threads_asking_at_once_are_never_given_one_connection(db: Database) -> None:
    other = db.another()
    other.__class__ = Racing  # its spare opened, as a new Database's is
    racing: Any = other
    racing.first_read = threading.Event()
    racing.second_arrived = threading.Event()
    lock = getattr(other, "_spare_lock", threading.Lock())
    other._spare_lock = Spy(lock, racing.second_arrived)  # type: ignore[assignment]
    got: dict[str, Any] = {}

    def take() -> None:
        got[threading.current_thread().name] = other.connect()

    first = threading.Thread(target=take, name="first")
    second = threading.Thread(target=take, name="second")
    try:
        first.start()
        assert racing.first_read.wait(WAIT)
        second.start()
        first.join(WAIT)
        second.join(WAIT)
        assert set(got) == {"first", "second"}
        assert got["first"] is not got["second"]
        for conn in got.values():  # each one a working, keyed connection
            assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    finally:
        other.__class__ = Database
        for conn in {id(c): c for c in got.values()}.values():
            conn.close()
        other.close()
