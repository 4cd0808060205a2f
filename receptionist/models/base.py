"""Declarative base, the UTC time type and the columns every synced row carries."""

from __future__ import annotations

import os
import time
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


# A row's id: a UUID (RFC 9562's version 8, its own layout) whose first ten bits are
# the week it was made in (weeks since ID_EPOCH, counted round every 1,024 weeks, some
# 19.6 years), and the rest random (112 bits; version and variant as RFC 9562 sets
# them). Ids of a later week sort later, so a table's primary-key index, and every
# index led by a reference to another row (an appointment's ``patient_id``, a log
# entry's ``appointment_id``), grow at one end, a week's rows on their own pages, as
# the table (in rowid order) keeps them; random ids (version 4: every row written
# before session 17) scatter them. The retention sweep deletes rows in the order they
# were written, a week or more a batch: at 600,000 appointments, 45 % of the pages its
# appointment batches wrote were the primary-key index's (benchmarks/bench_sweep.py).
# Once round, a week's rows share their part of the index with those of 19.6 years
# before, still neighbours. Not the millisecond (version 7): the CLI and the desk show
# and take an id's first characters (``ops.lookup``), and rows made in the same minute
# would share eight of them; here 22 of the first 32 bits are random (14 of the first
# six characters'), told apart among a week's rows. The week is the computer's
# clock's (an id's order is no behaviour; nothing reads it back). The endpoint and
# Google take any UUID (strings; an event's id is its hex).
ID_EPOCH_MS = 946_857_600_000  # 2000-01-03 00:00 UTC, a Monday
WEEK_MS = 7 * 86_400_000
WEEKS = 1 << 10
_RANDOM_BITS = 112


def id_week(ms: int) -> int:
    """The week an id made at ``ms`` (milliseconds since the epoch) names."""
    return ((ms - ID_EPOCH_MS) // WEEK_MS) % WEEKS


def ordered_id(ms: int, random_bits: int) -> str:
    """The id made at ``ms`` (milliseconds since the epoch) with ``random_bits`` (an
    integer below 2**112)."""
    if not 0 <= random_bits < 1 << _RANDOM_BITS:
        raise ValueError("an id's random part takes 112 bits")
    return _ids(id_week(ms), [random_bits])[0]


def _ids(week: int, random_bits: list[int]) -> list[str]:
    out = []
    for bits in random_bits:
        # week (10 bits), 38 random, version (4), 12 random, variant (2), 62 random
        first = (week << 38) | (bits >> 74)
        h = f"{first:012x}8{(bits >> 62) & 0xFFF:03x}{(bits & _LOW) | _VARIANT:016x}"
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


_LOW = (1 << 62) - 1
_VARIANT = 0b10 << 62


def _now_ms() -> int:
    """The computer's time, in milliseconds since the epoch (set by tests)."""
    return time.time_ns() // 1_000_000


def _random(count: int) -> list[int]:
    raw = os.urandom(14 * count)
    return [int.from_bytes(raw[at : at + 14]) for at in range(0, 14 * count, 14)]


def new_id() -> str:
    """A new row's id (:func:`ordered_id` at the computer's time now)."""
    return _ids(id_week(_now_ms()), _random(1))[0]


def new_ids(count: int) -> list[str]:
    """``count`` ids as :func:`new_id` makes them, in the order of the index: for bulk
    writes (planning 20,000 reminders)."""
    return _ids(id_week(_now_ms()), sorted(_random(count)))


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
