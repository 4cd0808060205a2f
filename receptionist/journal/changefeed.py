"""The change feed: every insert, update, tombstone and purge of a synced row, in
commit order, written by triggers in the writer's transaction (migration 0012).

Readers ask for the changes after a sequence number and get them in pages. Local
changes (``origin`` None) are this PC's outbox; a row applied from another PC is
logged with that PC's device id as its origin (:func:`applying`), so it is never sent
back. Why ``seq`` order is commit order: SQLite has one writer at a time and every
write begins IMMEDIATE, so a transaction takes its numbers only after the one before
it committed, and a rolled-back one gives its numbers back (AUTOINCREMENT's counter
is in the same transaction).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from receptionist.models import Base, ChangeEntry, ChangeOrigin, Synced

PAGE = 500


@dataclass(frozen=True)
class Change:
    """One logged change: which row, at which version, what happened, from where."""

    seq: int
    entity: str
    row_id: str
    version: int
    kind: str  # insert | update | delete | purge
    origin: str | None  # None: made on this PC
    at: datetime

    @property
    def local(self) -> bool:
        return self.origin is None


def _change(row: ChangeEntry) -> Change:
    return Change(row.seq, row.entity, row.row_id, row.version, row.kind, row.origin, row.at)


def last_seq(session: Session) -> int:
    """The newest change's number (0 when nothing has been logged)."""
    return int(session.scalar(select(func.max(ChangeEntry.seq))) or 0)


def last_change(session: Session, entities: Collection[str], row_id: str) -> int:
    """The number of the newest change logged for the row ``row_id`` of one of the
    tables ``entities`` (0: none logged, the row is older than the feed).

    This is the row's place in this PC's commit order, whichever PC made the change:
    unlike a row's ``updated_at`` it does not depend on any PC's clock. The feed has
    no index by row (migration 0021): this reads it backwards from its end and stops
    at the row's newest change, a few steps for a row changed just now (an undo's)."""
    found = (
        select(ChangeEntry.seq)
        .where(ChangeEntry.entity.in_(entities), ChangeEntry.row_id == row_id)
        .order_by(ChangeEntry.seq.desc())
        .limit(1)
    )
    return int(session.scalar(found) or 0)


def changed_since(session: Session, entities: Collection[str], row_id: str, seq: int) -> bool:
    """Whether the row ``row_id`` of one of ``entities`` has a change numbered ``seq``
    or later: the feed read from ``seq`` on only (by its key), however long ago the
    row last changed (``last_change`` of such a row would read the whole feed)."""
    found = (
        select(ChangeEntry.seq)
        .where(ChangeEntry.seq >= seq)
        .where(ChangeEntry.entity.in_(entities), ChangeEntry.row_id == row_id)
        .limit(1)
    )
    return session.scalar(found) is not None


def after(
    session: Session, seq: int, *, limit: int = PAGE, local_only: bool = False
) -> list[Change]:
    """The changes after ``seq``, oldest first, at most ``limit`` of them.

    Page on with the last one's ``seq``. ``local_only`` gives this PC's outbox.
    """
    query = select(ChangeEntry).where(ChangeEntry.seq > seq)
    if local_only:
        query = query.where(ChangeEntry.origin.is_(None))
    rows = session.scalars(query.order_by(ChangeEntry.seq).limit(limit))
    return [_change(row) for row in rows]


def pages(session: Session, seq: int, *, local_only: bool = False) -> Iterator[list[Change]]:
    """Every change after ``seq``, page by page."""
    while page := after(session, seq, local_only=local_only):
        yield page
        seq = page[-1].seq


@contextmanager
def applying(session: Session, device_id: str) -> Iterator[None]:
    """Inside this block (in one write transaction) the feed logs changes as coming
    from ``device_id``, not from this PC: rows applied from another PC."""
    session.merge(ChangeOrigin(id=1, device_id=device_id))
    session.flush()
    try:
        yield
        session.flush()
    finally:
        session.execute(delete(ChangeOrigin))


def synced_tables() -> dict[str, type[Synced]]:
    """Each synced table's name and its model."""
    found: dict[str, type[Synced]] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if issubclass(cls, Synced):
            found[cls.__tablename__] = cls  # type: ignore[attr-defined]
    return found


def synced_columns(model: type[Synced]) -> list[str]:
    """The columns of ``model`` that travel between PCs (all mapped ones: local copies
    such as a search key are left out here and listed by the model as ``LOCAL``)."""
    local = set(getattr(model, "LOCAL_COLUMNS", ()))
    return [c.key for c in model.__mapper__.column_attrs if c.key not in local]  # type: ignore[attr-defined]


def upsert(session: Session, model: type[Synced], values: Mapping[str, Any]) -> Synced | None:
    """Write a row from another PC as it is: its id, version and times, nothing
    stamped over them. A row we hold at the same or a newer version is left alone
    (None is returned); the caller wraps this in :func:`applying`."""
    row = session.get(model, values["id"])
    if row is not None and row.version >= int(values["version"]):
        return None
    columns = synced_columns(model)
    unknown = set(values) - set(columns)
    if unknown:
        raise ValueError(f"{model.__name__} has no synced columns {sorted(unknown)}")
    if row is None:
        row = model(**{key: values[key] for key in columns if key in values})
        session.add(row)
    else:
        for key in columns:
            if key in values:
                setattr(row, key, values[key])
    session.flush()
    return row
