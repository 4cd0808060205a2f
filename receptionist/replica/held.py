"""What this PC holds of some synced rows, and their bases: a few queries for a batch
of rows, not two a row. The outbox asks when it makes a batch to push, and a pull's
bulk apply (:mod:`.bulk`) when it sorts the records it has never held from the rest.

Look-ups of ids are plain SQL on the driver: SQLAlchemy's rendering of a 500-id
``IN`` took longer than SQLite's answer to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receptionist.journal import changefeed
from receptionist.models import Synced

LOOKUP = 500  # ids a query
Key = tuple[str, str]  # (entity, row id)


def driver(session: Session) -> Any:
    """The session's DB-API connection, inside its transaction, the session's
    pending writes flushed to it."""
    session.flush()
    raw = session.connection().connection.driver_connection
    assert raw is not None
    return raw


def present(session: Session, table: str, column: str, values: Iterable[object]) -> set[object]:
    """Which of ``values`` ``table.column`` holds."""
    listed, found = list(values), set[object]()
    raw = driver(session)
    for at in range(0, len(listed), LOOKUP):
        part = listed[at : at + LOOKUP]
        sql = f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join('?' * len(part))})"
        found.update(value for (value,) in raw.execute(sql, part))
    return found


def by_entity(keys: Iterable[Key]) -> dict[str, list[str]]:
    wanted: dict[str, list[str]] = {}
    for entity, row_id in keys:
        wanted.setdefault(entity, []).append(row_id)
    return wanted


def base_versions(session: Session, keys: Iterable[Key]) -> dict[Key, int]:
    """The base version of each of ``keys`` this PC holds a base of."""
    raw = driver(session)
    found: dict[Key, int] = {}
    for entity, ids in by_entity(keys).items():
        for at in range(0, len(ids), LOOKUP):
            part = ids[at : at + LOOKUP]
            sql = (
                "SELECT row_id, version FROM sync_base WHERE entity = ? AND row_id IN "
                f"({', '.join('?' * len(part))})"
            )
            found.update(((entity, r), v) for r, v in raw.execute(sql, [entity, *part]))
    return found


def rows(session: Session, keys: Iterable[Key]) -> dict[Key, Synced]:
    """The rows ``keys`` name that are still here, as ORM objects."""
    models = changefeed.synced_tables()
    found: dict[Key, Synced] = {}
    for entity, ids in by_entity(keys).items():
        model = models[entity]
        for at in range(0, len(ids), LOOKUP):
            part = ids[at : at + LOOKUP]
            found.update(((entity, r.id), r) for r in session.scalars(
                select(model).where(model.id.in_(part))))  # fmt: skip
    return found


def plain_rows(session: Session, keys: Iterable[Key]) -> dict[Key, dict[str, object]]:
    """The synced values of the rows ``keys`` name that are here (plain rows, no ORM
    objects; read only for ids a first look finds, so a first download reads none)."""
    models = changefeed.synced_tables()
    found: dict[Key, dict[str, object]] = {}
    for entity, ids in by_entity(keys).items():
        model = models.get(entity)
        if model is None:
            continue
        here = list(present(session, entity, "id", ids))
        columns = [getattr(model, c) for c in changefeed.synced_columns(model)]
        for at in range(0, len(here), LOOKUP):
            part = here[at : at + LOOKUP]
            found.update(((entity, r.id), r._asdict()) for r in session.execute(
                select(*columns).where(model.id.in_(part))))  # fmt: skip
    return found
