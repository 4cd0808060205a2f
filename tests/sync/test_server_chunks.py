"""The endpoint's chunk routes (`PUT` / `GET /v1/chunks`): a large document's sealed
chunks kept as sent, given back to any device of the clinic and to no other clinic's,
refused cleanly (4xx, nothing written) when they cannot be one; an older version's
chunks kept until the push that moves its record on. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from serverkit import Endpoint, Joined, connect, push_body, record, sealed, snapshot
from sqlalchemy import insert

from sync.server.commands import add_clinic
from sync.server.schema import chunk


def _chunk(version: int = 1, index: int = 0, **more: Any) -> dict[str, Any]:
    return {"entity": "patient_document", "id": "d-1", "version": version, "index": index,
            "count": 2, "key_gen": 1, "sealed": sealed(), **more}  # fmt: skip


def _get(pc: Joined, version: int = 1, index: int = 0) -> Any:
    params = {"entity": "patient_document", "id": "d-1", "version": version, "index": index}
    return pc.http.get("/v1/chunks", params=params)


def test_a_chunk_is_kept_as_sent_and_given_to_the_clinics_devices(
    first_pc: Joined, second_pc: Joined
) -> None:
    sent = _chunk()
    assert first_pc.http.put("/v1/chunks", json=sent).status_code == 200
    got = _get(second_pc)
    assert got.status_code == 200
    assert {k: got.json()[k] for k in sent} == sent
    assert _get(second_pc, index=1).status_code == 404, "not sent yet"
    first_pc.http.put("/v1/chunks", json=_chunk(version=2))
    assert _get(second_pc).status_code == 200, "kept until a record moves past it"
    assert _get(second_pc, version=2).status_code == 200


def test_an_older_versions_chunks_go_with_the_push_that_moves_its_record_on(
    first_pc: Joined, second_pc: Joined
) -> None:
    first_pc.http.put("/v1/chunks", json=_chunk())
    first_pc.http.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
    first_pc.http.put("/v1/chunks", json=_chunk(version=2))
    assert _get(second_pc).status_code == 200, "version 1 is the one a PC pulls"
    second = push_body(2, record("patient_document", "d-1", 2), base=1)
    assert first_pc.http.post("/v1/push", json=second).status_code == 200
    assert _get(second_pc).status_code == 404, "gone with the push"
    assert _get(second_pc, version=2).status_code == 200


def test_chunks_that_cannot_be_one_are_refused_and_write_nothing(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    before = snapshot(endpoint.store)
    for body, code in (
        (_chunk(index=2), "bad_request"),  # past its count
        (_chunk(entity="nothing"), "unknown_entity"),
        (_chunk(entity="patient"), "bad_request"),  # only a document's bytes: never dropped
        (_chunk(version="1"), "bad_request"),  # no coercion
        (_chunk(count=65), "bad_request"),
        ({k: v for k, v in _chunk().items() if k != "sealed"}, "bad_request"),
    ):
        answer = first_pc.http.put("/v1/chunks", json=body)
        assert answer.status_code == 400 and answer.json()["error"] == code, body
    assert snapshot(endpoint.store) == before


def test_another_clinics_chunk_looks_like_none(
    endpoint: Endpoint, first_pc: Joined, clock: Any
) -> None:
    first_pc.http.put("/v1/chunks", json=_chunk())
    other = add_clinic(str(endpoint.store.engine.url.render_as_string(hide_password=False)),
                       "Other", clock=clock, out=None)  # fmt: skip
    stranger = connect(endpoint, other.code, "ELSEWHERE")
    with stranger.http:
        answer = _get(stranger)
    assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_the_chunks_of_a_removed_document_go_at_the_next_chunk_stored(first_pc: Joined) -> None:
    first_pc.http.put("/v1/chunks", json=_chunk())
    first_pc.http.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
    assert _get(first_pc).status_code == 200, "its record's version: kept"
    removed = push_body(2, record("patient_document", "d-1", 2, deleted=True), base=1)
    first_pc.http.post("/v1/push", json=removed)
    first_pc.http.put("/v1/chunks", json=_chunk(id="d-2"))
    assert _get(first_pc).status_code == 404, "the removed document's chunks are gone"
    params = {"entity": "patient_document", "id": "d-2", "version": 1, "index": 0}
    assert first_pc.http.get("/v1/chunks", params=params).status_code == 200


def test_a_removed_documents_chunks_go_with_the_push_of_its_tombstone(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    """Before, they stayed (sealed) until the clinic's next chunk was stored, which
    may be never."""
    first_pc.http.put("/v1/chunks", json=_chunk())
    first_pc.http.put("/v1/chunks", json=_chunk(id="d-2"))  # its push yet to come: kept
    first_pc.http.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
    removed = push_body(2, record("patient_document", "d-1", 2, deleted=True), base=1)
    assert first_pc.http.post("/v1/push", json=removed).status_code == 200
    assert _get(first_pc).status_code == 404, "gone with the push"
    params = {"entity": "patient_document", "id": "d-2", "version": 1, "index": 0}
    assert first_pc.http.get("/v1/chunks", params=params).status_code == 200
    again = first_pc.http.put("/v1/chunks", json=_chunk())  # a resend from a stale batch
    assert again.status_code == 200 and _get(first_pc).status_code == 404, "not kept"
    assert [r[2] for r in snapshot(endpoint.store)["chunk"]] == ["d-2"]


def test_chunks_left_of_a_document_go_when_its_tombstone_is_purged(
    endpoint: Endpoint, first_pc: Joined, clock: Any
) -> None:
    """Chunks a push did not drop (stored by an endpoint before it did) go with the
    tombstone at the horizon, not never."""
    first_pc.http.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
    removed = push_body(2, record("patient_document", "d-1", 2, deleted=True), base=1)
    first_pc.http.post("/v1/push", json=removed)
    with endpoint.store.write() as conn:  # left over, as before the fix
        conn.execute(insert(chunk).values(
            clinic_id=first_pc.clinic_id, entity="patient_document", row_id="d-1", version=1,
            idx=0, count=2, key_gen=1, sealed=sealed(), device_id=first_pc.device_id,
            created_at=clock.now(),
        ))  # fmt: skip
    clock.advance(days=91)
    first_pc.http.post("/v1/push", json=push_body(3, record("patient", "p-1")))
    assert snapshot(endpoint.store)["chunk"] == []


def test_a_conflicting_edits_chunk_does_not_replace_the_one_its_record_claims(
    first_pc: Joined, second_pc: Joined
) -> None:
    """Two PCs edit a document from one base: both make version 2. The one pushed first
    is the endpoint's; the other's chunks, sent before its push (which becomes a
    conflict), replaced those at the same place, and every PC pulling version 2 got
    bytes that were not its record's (refused as tampered)."""
    first_pc.http.put("/v1/chunks", json=_chunk())
    first_pc.http.post("/v1/push", json=push_body(1, record("patient_document", "d-1")))
    theirs = _chunk(version=2)
    second_pc.http.put("/v1/chunks", json=theirs)
    second = push_body(1, record("patient_document", "d-1", 2), base=1)
    assert second_pc.http.post("/v1/push", json=second).json()["results"][0]["outcome"] == "applied"
    assert first_pc.http.put("/v1/chunks", json=_chunk(version=2)).status_code == 200
    assert _get(first_pc, version=2).json()["sealed"] == theirs["sealed"], "the record's own"
    mine = push_body(2, record("patient_document", "d-1", 2), base=1)
    assert first_pc.http.post("/v1/push", json=mine).json()["results"][0]["outcome"] == "conflict"
    again = _chunk(version=2)
    assert second_pc.http.put("/v1/chunks", json=again).status_code == 200
    assert _get(first_pc, version=2).json()["sealed"] == again["sealed"], "its own device's"
    resealed = _chunk(version=2, key_gen=2)
    first_pc.http.put("/v1/chunks", json=resealed)
    assert _get(first_pc, version=2).json()["sealed"] == resealed["sealed"], "a re-seal's"
