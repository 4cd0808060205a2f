"""The database's connections go out most recently used first (``pool_use_lifo``): each
SQLite connection keeps its own page cache, and a run of short transactions (the
sweep's batches, the desk's reads) finds what the one before it read. Handed out in
turn, two idle connections made every other batch start with a cold cache."""

from __future__ import annotations

from sqlalchemy import text

from receptionist.store.storage import Database


def _connection(db: Database, *, also_hold: bool = False) -> int:
    """The id of the DBAPI connection a read gets (while another is held, if asked)."""
    with db.read() as s:
        raw = s.connection().connection.dbapi_connection
        if also_hold:
            with db.read() as other:
                other.execute(text("SELECT 1"))
        s.execute(text("SELECT 1"))
        return id(raw)


def test_the_connection_used_last_goes_out_first(db: Database) -> None:
    _connection(db, also_hold=True)  # two connections idle in the pool now
    first = _connection(db)
    assert [_connection(db) for _ in range(4)] == [first] * 4
