"""Migration 0029 (issue #14): the freed times are found by patient, and the endpoint
key's state by the audit log's kind and action, each by an index instead of a pass
over the table. The upgrade from 0028 adds both; the plans of the statements that
ask say SEARCH with them, SCAN without."""

from __future__ import annotations

from typing import Any

from factories import downgrade
from sqlalchemy import event, text

from receptionist.journal import notary
from receptionist.store import migrate
from receptionist.store.storage import Database

# What ``patients/erasure.forget_freed`` asks (as SQLAlchemy renders its delete).
FORGET = "DELETE FROM freed_slot WHERE freed_slot.seq <= ? AND freed_slot.patient_id IN (?, ?)"
NEW = {"ix_freed_slot_patient", "ix_audit_event_kind"}


def _indexes(db: Database) -> set[str]:
    with db.read() as s:
        found = s.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars()
        return set(found) & NEW


def _plans(db: Database) -> tuple[str, str]:
    """SQLite's plan of ``key_changed``'s read and of the erasure's freed-time delete."""
    asked: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, params: Any, *rest: Any) -> None:
        asked.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        with db.read() as s:
            assert notary.key_changed(s) is False
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    with db.read() as s:
        statement, params = asked[-1]
        conn = s.connection()
        read = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
        erase = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + FORGET, (9, "p1", "p2")).all()
    return " | ".join(str(r[-1]) for r in read), " | ".join(str(r[-1]) for r in erase)


def test_0029_adds_the_two_indexes_and_the_reads_search_them(db: Database) -> None:
    assert _indexes(db) == NEW
    downgrade(db, "0028")
    assert _indexes(db) == set()
    read, erase = _plans(db)
    assert read.startswith("SCAN audit_event"), read
    assert "ix_freed_slot_patient" not in erase, erase
    migrate.upgrade(db)
    assert migrate.current_revision(db) == migrate.head_revision()
    assert _indexes(db) == NEW
    read, erase = _plans(db)
    assert "SEARCH audit_event USING INDEX ix_audit_event_kind" in read, read
    assert "SCAN" not in read.replace("SCAN CONSTANT", ""), read
    assert "SEARCH freed_slot USING INDEX ix_freed_slot_patient" in erase, erase
