"""Storing a chunk reads no more of the chunk table however many chunks the clinic
holds (issue #14). Before, each `PUT /v1/chunks` looked for stale chunks through all
of the clinic's, and for old unclaimed ones through all of them too (claimed ones
included), each with a look at its record: a clinic's every chunk a chunk stored.
Now a chunk is marked `claimed` when its record is held (at its store, or by the
push that brings the record, server migration s0008), the stale are looked for in
the stored chunk's row only, and the bounds read partial indexes over the unclaimed
chunks (the clinic's by age, the device's by device).

On PostgreSQL each statement a real `PUT` sent is run again under `EXPLAIN ANALYZE`
(sequential scans off: the indexes a clinic of any size would be read through), and
the rows it read of `chunk` are counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from serverkit import Endpoint, Joined, push_body, record
from sqlalchemy import create_engine, event, text

from sync.server import migrate

SIZE = 40
MANY = 30  # chunks of each kind the clinic holds before the one measured


def _chunk(row_id: str, index: int = 0) -> dict[str, Any]:
    return {"entity": "patient_document", "id": row_id, "version": 1, "index": index,
            "count": 2, "key_gen": 1, "sealed": "A" * SIZE}  # fmt: skip


def _put(pc: Joined, row_id: str) -> None:
    answer = pc.http.put("/v1/chunks", json=_chunk(row_id))
    assert answer.status_code == 200, answer.text


@contextmanager
def sent(endpoint: Endpoint) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) sent on the endpoint's engine."""
    found: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        found.append((statement, parameters))

    event.listen(endpoint.store.engine, "before_cursor_execute", seen)
    try:
        yield found
    finally:
        event.remove(endpoint.store.engine, "before_cursor_execute", seen)


def _chunk_rows_read(plan: dict[str, Any]) -> int:
    """The rows of ``chunk`` a plan node and those under it read (kept or filtered out)."""
    read = 0
    if plan.get("Relation Name") == "chunk" and plan["Node Type"] != "ModifyTable":
        per_loop = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
        read += int(per_loop * plan.get("Actual Loops", 1))
    return read + sum(_chunk_rows_read(p) for p in plan.get("Plans", []))


def _rows_read(endpoint: Endpoint, statements: list[tuple[str, Any]]) -> dict[str, int]:
    """Each statement of ``chunk`` but the insert, run again under EXPLAIN ANALYZE in a
    transaction rolled back: the rows of ``chunk`` it read."""
    read = {}
    with endpoint.store.engine.connect() as conn, conn.begin() as tx:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        for statement, parameters in statements:
            if "chunk" not in statement or statement.lstrip().startswith("INSERT"):
                continue
            found = conn.exec_driver_sql(
                f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
            ).scalar_one()
            plan = (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
            read[" ".join(statement.split())[:300]] = _chunk_rows_read(plan)
        tx.rollback()
    return read


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_chunk_stored_reads_none_of_the_clinics_other_chunks(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    for n in range(MANY):
        _put(second_pc, f"theirs-{n}")  # unclaimed: another device's, not yet pushed
        _put(first_pc, f"mine-{n}")  # claimed by the push below
    records = [record("patient_document", f"mine-{n}") for n in range(MANY)]
    pushed = first_pc.http.post("/v1/push", json=push_body(1, *records))
    assert pushed.status_code == 200, pushed.text
    with endpoint.store.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM chunk")) == 2 * MANY
        conn.exec_driver_sql("ANALYZE chunk")
        conn.commit()
    with sent(endpoint) as statements:
        _put(first_pc, "new-one")
    read = _rows_read(endpoint, statements)
    assert read, statements
    assert sum(read.values()) <= 4, "\n".join(f"{v} {k}" for k, v in read.items())


def test_the_migration_marks_the_chunks_their_records_claim(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'endpoint.db'}")
    try:
        cfg = migrate._config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "s0007")
            conn.execute(text(
                "INSERT INTO record (clinic_id, entity, id, version, deleted, key_gen, clear,"
                " sealed, seq, device_id, created_at, written_at) VALUES ('c',"
                " 'patient_document', :id, 1, :deleted, 1, '{}', 's', :seq, 'd',"
                " '2026-12-07 05:00:00', '2026-12-07 05:00:00')"
            ), [{"id": "held", "deleted": False, "seq": 1},
                {"id": "gone", "deleted": True, "seq": 2}])  # fmt: skip
            for row_id in ("held", "gone", "never"):
                conn.execute(text(
                    "INSERT INTO chunk (clinic_id, entity, row_id, version, idx, count, key_gen,"
                    " sealed, device_id, created_at, size) VALUES ('c', 'patient_document',"
                    " :id, 1, 0, 1, 1, 'A', 'd', '2026-12-07 05:00:00', 1)"
                ), {"id": row_id})  # fmt: skip
            conn.commit()
        migrate.upgrade(engine)
        with engine.connect() as conn:
            found = conn.execute(text("SELECT row_id, claimed FROM chunk ORDER BY row_id"))
            assert [tuple(r) for r in found] == [("gone", 0), ("held", 1), ("never", 0)]
    finally:
        engine.dispose()
