"""Following the change feed: after each commit, tell listeners what changed.

A :class:`Follower` keeps a cursor in ``change_log``. :meth:`Follower.poll` reads
what was logged after it and publishes one :class:`Changes` on the database's event
hub. The database calls it after each write it commits; for writes by other processes
on the same file (the CLI beside the app, the sync service) the app calls it on a
timer, and it first asks SQLite's ``PRAGMA data_version`` on a connection of its own,
which changes only when another connection has committed, so an idle poll costs no
read of the log.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from receptionist.models import from_micros
from receptionist.store.storage import Database

from . import changefeed
from .changefeed import Change


@dataclass(frozen=True)
class Changes:
    """What one or more commits changed, in commit order."""

    entries: tuple[Change, ...]

    @property
    def entities(self) -> frozenset[str]:
        return frozenset(c.entity for c in self.entries)

    def ids(self, *entities: str) -> frozenset[str]:
        """The ids of the rows of these entities that changed."""
        return frozenset(c.row_id for c in self.entries if c.entity in entities)

    def touches(self, entities: Iterable[str]) -> bool:
        return not self.entities.isdisjoint(entities)

    @property
    def last_seq(self) -> int:
        return self.entries[-1].seq


class Follower:
    """Reads new change-log entries and publishes them; one per open database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._conn: Any = None
        self._version: int | None = None
        with db.read() as session:
            self.cursor = changefeed.last_seq(session)
        self._remove = db.after_commit(self.poll)
        db.on_close(self.close)

    def poll(self) -> Changes | None:
        """Publish what was committed since the last poll (by anyone); None if nothing."""
        with self._lock:
            found = self._read_new()
        if found is None:
            return None
        changes = Changes(tuple(found))
        self.db.events.publish(changes)
        return changes

    def _read_new(self) -> list[Change] | None:
        conn = self._connection()
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        if version == self._version:
            return None
        self._version = version
        rows = conn.execute(
            "SELECT seq, entity, row_id, version, kind, origin, at FROM change_log"
            " WHERE seq > ? ORDER BY seq",
            (self.cursor,),
        ).fetchall()
        if not rows:
            return None
        found = [
            Change(seq, entity, row_id, version, kind, origin, from_micros(at))
            for seq, entity, row_id, version, kind, origin, at in rows
        ]
        self.cursor = found[-1].seq
        return found

    def _connection(self) -> Any:
        if self._conn is None:
            self._conn = self.db.connect()
        return self._conn

    def close(self) -> None:
        self._remove()
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
