"""A first download fills ``patient`` and ``appointment`` without their secondary
indexes, and builds them once, at its end.

Each of those indexes is keyed on values in no order the download follows (a phone,
a birth date, a booking's patient), so every row put one entry in a random place of
each; once the file outgrew the page cache, each such entry read, decrypted and
later encrypted again a page of its own. Built at the end, an index is one sort.

A page that brings rows into one of these tables while it is still empty, and is
not the pull's last, drops the table's secondary indexes (never a unique one: those
keep their rows right), in its own transaction. They are built again, as the models
define them (the schema the migrations made: ``tests/test_replica_bulkcopies.py``),
by the pull's last page, in its transaction; and, should the download stop before
it (the network lost, the PC killed), at the start of the next pull or as this one
fails (``sync/round.py``), which then goes on with them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Index
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex

from receptionist.models import Base

TABLES = ("patient", "appointment")


def secondary(table: str) -> list[Index]:
    """The indexes of ``table`` a download may build at its end (not the unique ones)."""
    found = [ix for ix in Base.metadata.tables[table].indexes if not ix.unique]
    return sorted(found, key=lambda ix: str(ix.name))


def defer(raw: Any, tables: Iterable[str]) -> list[str]:
    """Drop the secondary indexes of those of ``tables`` (of :data:`TABLES`) that hold
    no row yet; the indexes dropped."""
    dropped: list[str] = []
    for table in sorted(set(tables) & set(TABLES)):
        if raw.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            continue
        for ix in secondary(table):
            if _exists(raw, str(ix.name)):
                raw.execute(f"DROP INDEX {ix.name}")
                dropped.append(str(ix.name))
    return dropped


def missing(raw: Any) -> list[Index]:
    """The secondary indexes of :data:`TABLES` this file lacks."""
    return [ix for table in TABLES for ix in secondary(table) if not _exists(raw, str(ix.name))]


def restore(raw: Any) -> list[str]:
    """Build the secondary indexes a download deferred; their names."""
    built = missing(raw)
    for ix in built:
        raw.execute(str(CreateIndex(ix).compile(dialect=sqlite.dialect())).strip())
    return [str(ix.name) for ix in built]


def _exists(raw: Any, name: str) -> bool:
    found = raw.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
    ).fetchone()
    return found is not None


__all__ = ["TABLES", "defer", "missing", "restore", "secondary"]
