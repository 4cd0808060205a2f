"""Closing the conflicts of erased patients reads no more than it needs (issue #14).

``close_erased`` runs at every page of every pull. It used to match the patient
conflicts against every erased patient (an ``IN`` over a pass of the whole patient
table: no index on ``deleted_at``). It reads the patient conflicts that could still
show her first (usually none: then no patient is read at all), then only their
patients, by key: SQLite's plan says SEARCH, never SCAN, for ``patient``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from factories import make_clinic, weekdays
from sqlalchemy import event
from sqlalchemy.orm import Session

from receptionist.clock import FixedClock
from receptionist.context import Ctx
from receptionist.models import SyncConflict
from receptionist.ops.conflicterasure import ERASED, close_erased
from receptionist.patients import record as patients
from receptionist.store.storage import Database


@pytest.fixture
def three(db: Database, ctx: Ctx) -> tuple[str, str, str]:
    """Three patients, the first erased: ids (erased, live, erased without conflicts)."""
    with db.write() as s:
        make_clinic(s, ctx, hours=weekdays(("08:00", "18:00")))
    with db.write() as s:
        ids = [
            patients.create_patient(s, ctx, given_name=g, family_name="Kaya").id
            for g in ("Zeynep", "Omar", "Ayla")
        ]
    with db.write() as s:
        patients.delete_patient(s, ctx, ids[0])
        patients.delete_patient(s, ctx, ids[2])
    return ids[0], ids[1], ids[2]


def _conflict(s: Session, clock: FixedClock, cid: str, entity: str, row_id: str) -> None:
    records = '[{"id": "x"}]'
    row = SyncConflict(id=cid, kind="edit", entity=entity, row_id=row_id, records=records)
    row.created_at = clock.now()
    s.add(row)


@contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    asked: list[tuple[str, Any]] = []

    def look(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        asked.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", look)
    try:
        yield asked
    finally:
        event.remove(db.engine, "before_cursor_execute", look)


def _plans(s: Session, asked: list[tuple[str, Any]]) -> list[str]:
    """SQLite's plan of each SELECT asked, one line per step."""
    lines = []
    for statement, params in asked:
        if statement.lstrip().upper().startswith("SELECT"):
            plan = s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params)
            lines += [str(row[-1]) for row in plan]
    return lines


def test_no_patient_conflict_open_reads_no_patient(
    db: Database, clock: FixedClock, three: tuple[str, str, str]
) -> None:
    erased, _, _ = three
    with db.write() as s:  # settled, its records forgotten; and a booking's
        _conflict(s, clock, "settled", "patient", erased)
        s.flush()
        row = s.get(SyncConflict, "settled")
        assert row is not None
        row.records, row.resolved_at, row.resolution = "[]", clock.now(), "keep"
        _conflict(s, clock, "booking", "appointment", erased)
    with db.write() as s, _statements(db) as asked:
        assert close_erased(s, clock.now()) == 0
    assert asked, "the conflicts were read"
    assert not [q for q, _ in asked if "patient." in q or "FROM patient" in q]


def test_the_open_conflicts_patients_are_searched_by_key_never_scanned(
    db: Database, clock: FixedClock, three: tuple[str, str, str]
) -> None:
    erased, live, _ = three
    with db.write() as s:
        _conflict(s, clock, "hers", "patient", erased)
        _conflict(s, clock, "his", "patient", live)
    with db.write() as s, _statements(db) as asked:
        assert close_erased(s, clock.now()) == 1
    with db.read() as s:
        plans = _plans(s, asked)
    touching = [line for line in plans if "patient" in line.split()]
    assert touching, "her patient was looked up"
    assert not [line for line in touching if line.startswith("SCAN")], plans
    with db.read() as s:
        hers, his = s.get(SyncConflict, "hers"), s.get(SyncConflict, "his")
        assert hers is not None and his is not None
        assert (hers.resolution, hers.records, hers.unsent) == (ERASED, "[]", True)
        assert hers.resolved_at is not None
        assert (his.resolved_at, his.records) == (None, '[{"id": "x"}]')


def test_a_settled_conflict_on_her_row_forgets_its_records_and_stays_settled(
    db: Database, clock: FixedClock, three: tuple[str, str, str]
) -> None:
    erased, _, _ = three
    with db.write() as s:
        _conflict(s, clock, "kept", "patient", erased)
        s.flush()
        row = s.get(SyncConflict, "kept")
        assert row is not None
        row.resolved_at, row.resolution = clock.now(), "keep"
    with db.write() as s:
        assert close_erased(s, clock.now()) == 0
    with db.read() as s:
        row = s.get(SyncConflict, "kept")
        assert row is not None
        assert (row.records, row.resolution) == ("[]", "keep")
