"""Declarative base, the UTC time type and the columns every synced row carries."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Dialect, Integer, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    return str(uuid.uuid4())


def new_ids(count: int) -> list[str]:
    """``count`` ids as :func:`new_id` makes them (random UUIDs, version 4), at a third
    of the cost: for bulk writes (planning 20,000 reminders)."""
    raw = os.urandom(16 * count).hex()
    out = []
    for at in range(0, 32 * count, 32):
        h = raw[at : at + 32]
        variant = "89ab"[int(h[16], 16) & 3]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}")
    return out


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as integer microseconds since the epoch, in UTC.

    Integers sort and index cheaply and leave no room for time-zone ambiguity.
    """

    impl = BigInteger
    cache_ok = True
    _EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a timezone")
        delta = value - self._EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds

    def process_result_value(self, value: int | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return from_micros(value)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def from_micros(value: int) -> datetime:
    """The aware UTC datetime of a stored value."""
    return _EPOCH + timedelta(0, 0, value)  # positional: a third faster than keywords


def to_micros(value: datetime) -> int:
    """The stored form of ``value`` (for raw SQL and benchmarks)."""
    result = UTCDateTime().process_bind_param(value, None)  # type: ignore[arg-type]
    assert result is not None
    return result


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


class Synced:
    """Columns that let a row travel between PCs, the cloud and Google.

    ``version`` grows by one at each local change; ``deleted_at`` is a tombstone, so
    a deletion can be synced before the row is purged.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(Integer, default=1)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)

    def touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version = (self.version or 0) + 1
