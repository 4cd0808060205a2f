"""Chunks no record claims are bounded on the endpoint. Any device of a clinic may
store chunks, and one whose record never comes (a broken or hostile device, or a PC
that stopped before its push) stayed for ever: a device could fill the endpoint's
disk. Now a device holds at most a limit of unclaimed chunk bytes (past it, `413
chunks_unclaimed`, nothing written, and the PC's message says what to do), and
unclaimed chunks older than a day go at the next chunk stored or push. SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from serverkit import Endpoint, Joined, push_body, record, serving, snapshot

from receptionist.clock import FixedClock
from receptionist.replica.chunks import Chunk
from sync.client import Client, Refused
from sync.server.chunks import Unclaimed

SIZE = 400  # the sealed text of each chunk here
BOUNDS = Unclaimed(limit=1000, age=timedelta(days=1))


@pytest.fixture
def tight(endpoint: Endpoint, clock: FixedClock) -> Iterator[Endpoint]:
    """The same endpoint's database, served with a limit of two and a half chunks."""
    with serving(endpoint.store, clock, unclaimed=BOUNDS) as served:
        yield served


def _chunk(row_id: str, index: int = 0, version: int = 1) -> dict[str, Any]:
    return {"entity": "patient_document", "id": row_id, "version": version, "index": index,
            "count": 2, "key_gen": 1, "sealed": "A" * SIZE}  # fmt: skip


def _put(http: httpx.Client, row_id: str, index: int = 0) -> int:
    return http.put("/v1/chunks", json=_chunk(row_id, index)).status_code


def _rows(endpoint: Endpoint) -> list[tuple[str, int]]:
    return sorted((r[2], r[4]) for r in snapshot(endpoint.store)["chunk"])


def test_a_device_past_its_unclaimed_bytes_is_refused_and_nothing_is_written(
    endpoint: Endpoint, tight: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    with tight.client(first_pc.token) as mine, tight.client(second_pc.token) as other:
        assert _put(mine, "d-1", 0) == 200 and _put(mine, "d-1", 1) == 200
        before = snapshot(endpoint.store)
        refused = mine.put("/v1/chunks", json=_chunk("d-2"))
        assert refused.status_code == 413
        assert refused.json()["error"] == "chunks_unclaimed"
        assert refused.json()["limit"] == 1000 and "24 hours" in refused.json()["message"]
        assert snapshot(endpoint.store) == before, "nothing written"
        assert _put(mine, "d-1", 0) == 200, "a chunk sent again replaces itself"
        assert _put(other, "d-2") == 200, "each device has its own bound"
        pushed = mine.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
        assert pushed.status_code == 200
        assert _put(mine, "d-3") == 200, "chunks its record claims no longer count"
    assert _rows(endpoint) == [("d-1", 0), ("d-1", 1), ("d-2", 0), ("d-3", 0)]


def test_unclaimed_chunks_older_than_the_age_go_and_claimed_ones_stay(
    endpoint: Endpoint, tight: Endpoint, first_pc: Joined, clock: FixedClock
) -> None:
    with tight.client(first_pc.token) as mine:
        _put(mine, "d-1")
        mine.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
        _put(mine, "d-2")  # its record never comes
        clock.advance(hours=23)
        mine.post("/v1/push", json=push_body(2, record("patient", "p-1")))
        assert _rows(endpoint) == [("d-1", 0), ("d-2", 0)], "younger than a day: kept"
        clock.advance(hours=2)
        mine.post("/v1/push", json=push_body(3, record("patient", "p-2")))
        assert _rows(endpoint) == [("d-1", 0)], "the push cleared it; the claimed one stays"
        _put(mine, "d-3")
        clock.advance(hours=25)
        _put(mine, "d-4")
        assert _rows(endpoint) == [("d-1", 0), ("d-4", 0)], "a chunk stored clears them too"


def test_the_pcs_message_names_what_to_do(tight: Endpoint, first_pc: Joined) -> None:
    with Client(tight.url, first_pc.token) as client:
        for index in range(2):
            client.put_chunk(Chunk("patient_document", "d-1", 1, index, 2, 1, "A" * SIZE))
        with pytest.raises(Refused, match="Sync again tomorrow") as refused:
            client.put_chunk(Chunk("patient_document", "d-2", 1, 0, 2, 1, "A" * SIZE))
    assert "without their records" in str(refused.value)
