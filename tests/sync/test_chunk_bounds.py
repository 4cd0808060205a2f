"""Chunks no record claims are bounded on the endpoint. Any device of a clinic may
store chunks, and one whose record never comes (a broken or hostile device, or a PC
that stopped before its push) stayed for ever: a device could fill the endpoint's
disk. Now a device holds at most a limit of unclaimed chunk bytes (past it, `413
chunks_unclaimed`, nothing written, and the PC's message says what to do), and
unclaimed chunks older than a day go at the next chunk stored or push. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from serverkit import Endpoint, Joined, push_body, record, serving, snapshot
from sqlalchemy import create_engine, text

from receptionist.clock import FixedClock
from receptionist.replica.chunks import Chunk
from sync.client import Client, Refused
from sync.server import chunks, migrate
from sync.server.chunks import Unclaimed

SIZE = 400  # the sealed text of each chunk here
BOUNDS = Unclaimed(limit=1000, age=timedelta(days=1), document=1000)


@pytest.fixture
def tight(endpoint: Endpoint, clock: FixedClock) -> Iterator[Endpoint]:
    """The same endpoint's database, served with a limit of two and a half chunks."""
    with serving(endpoint.store, clock, unclaimed=BOUNDS) as served:
        yield served


def _chunk(row_id: str, index: int = 0, version: int = 1, count: int = 2) -> dict[str, Any]:
    return {"entity": "patient_document", "id": row_id, "version": version, "index": index,
            "count": count, "key_gen": 1, "sealed": "A" * SIZE}  # fmt: skip


def _put(http: httpx.Client, row_id: str, index: int = 0, count: int = 2) -> int:
    return http.put("/v1/chunks", json=_chunk(row_id, index, count=count)).status_code


def _rows(endpoint: Endpoint) -> list[tuple[str, int]]:
    return sorted((r[2], r[4]) for r in snapshot(endpoint.store)["chunk"])


def test_a_device_past_its_unclaimed_bytes_is_refused_and_nothing_is_written(
    endpoint: Endpoint, tight: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    """What a device parks besides the document it sends is bounded, and that document
    by itself; before, the document's own chunks counted, so an honest upload (or its
    retry after a lost answer) was refused by its own bytes (d-2 here)."""
    with tight.client(first_pc.token) as mine, tight.client(second_pc.token) as other:
        assert _put(mine, "d-1", 0) == 200 and _put(mine, "d-1", 1) == 200  # 800 parked
        assert _put(mine, "d-2", 0) == 200, "a document in flight is not counted against itself"
        assert _put(mine, "d-2", 1) == 200 and _put(mine, "d-2", 1) == 200, "nor sent again"
        assert _put(mine, "d-1", 0) == 200, "a chunk sent again replaces itself"
        before = snapshot(endpoint.store)
        refused = mine.put("/v1/chunks", json=_chunk("d-3"))  # 1600 parked besides it
        assert refused.status_code == 413
        assert refused.json()["error"] == "chunks_unclaimed"
        assert refused.json()["limit"] == 1000 and "24 hours" in refused.json()["message"]
        assert snapshot(endpoint.store) == before, "nothing written"
        assert _put(other, "d-3") == 200, "each device has its own bound"
        assert [_put(other, "d-4", i, count=3) for i in range(3)] == [200, 200, 413], (
            "one document's chunks past the document bound"
        )
        pushed = mine.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
        assert pushed.status_code == 200
        assert _put(mine, "d-5") == 200, "chunks its record claims no longer count"
    assert _rows(endpoint) == [
        ("d-1", 0), ("d-1", 1), ("d-2", 0), ("d-2", 1), ("d-3", 0), ("d-4", 0), ("d-4", 1),
        ("d-5", 0),
    ]  # fmt: skip


def test_unclaimed_chunks_older_than_the_age_go_and_claimed_ones_stay(
    endpoint: Endpoint, tight: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    with tight.client(first_pc.token) as mine:
        _put(mine, "d-1")
        mine.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
        _put(mine, "d-2")  # its record never comes
        clock.advance(hours=23)
        _put(mine, "d-3", 0)
        assert _rows(endpoint) == [("d-1", 0), ("d-2", 0), ("d-3", 0)], "under a day: kept"
        clock.advance(hours=2)
        _put(mine, "d-3", 1)
        assert _rows(endpoint) == [("d-1", 0), ("d-3", 0), ("d-3", 1)], "the claimed one stays"


def test_the_bounds_read_no_sealed_text(endpoint: Endpoint, first_pc: Joined) -> None:
    """On SQLite a column after the sealed text costs a walk through all of it: the
    bounds read the index over a device's chunks and each chunk's size only."""
    first_pc.http.put("/v1/chunks", json=_chunk("d-1"))
    with endpoint.store.read() as conn:
        assert conn.scalar(text("SELECT size FROM chunk")) == SIZE
        if endpoint.store.dialect != "sqlite":
            return
        for statement, index in (  # over the unclaimed chunks only (server migration s0008)
            (chunks.unclaimed_before("c", datetime.now(UTC)), "ix_chunk_unclaimed"),
            (chunks.unclaimed_bytes("c", "d"), "ix_chunk_device"),
        ):
            compiled = statement.compile(conn)
            marks = ("x",) * len(compiled.positiontup or ())
            found = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", marks)
            plan = " | ".join(str(row[-1]) for row in found)
            assert f"COVERING INDEX {index}" in plan, plan


def test_the_pcs_message_names_what_to_do(tight: Endpoint, first_pc: Joined) -> None:
    with Client(tight.url, first_pc.token) as client:
        for row_id, index in (("d-1", 0), ("d-1", 1), ("d-2", 0), ("d-2", 1)):
            client.put_chunk(Chunk("patient_document", row_id, 1, index, 2, 1, "A" * SIZE))
        with pytest.raises(Refused, match="Sync again tomorrow") as refused:
            client.put_chunk(Chunk("patient_document", "d-3", 1, 0, 2, 1, "A" * SIZE))
    assert "without their records" in str(refused.value)


def test_the_migration_gives_the_chunks_already_kept_their_size(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'endpoint.db'}")
    try:
        cfg = migrate._config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "s0004")
            conn.execute(text(
                "INSERT INTO chunk (clinic_id, entity, row_id, version, idx, count, key_gen, "
                "sealed, device_id, created_at) VALUES ('c', 'patient_document', 'd-1', 1, 0, "
                "1, 1, :sealed, 'd', '2026-12-07 05:00:00')"
            ), {"sealed": "A" * SIZE})  # fmt: skip
            conn.commit()
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT size FROM chunk")) == SIZE
    finally:
        engine.dispose()
