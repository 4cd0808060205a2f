"""What the endpoint keeps when PCs disagree: a double booking refused by the database
itself, two edits from one base, and an erasure that wins over any edit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channelservers import http_server
from serverkit import Endpoint, Joined, appointment, push_body, record
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from sync.client import Client, Refused
from sync.server.push import is_overlap
from sync.server.schema import record as record_table


def push(pc: Joined, first_seq: int, *records: dict[str, Any], base: int | None = None) -> Any:
    answer = pc.http.post("/v1/push", json=push_body(first_seq, *records, base=base))
    assert answer.status_code == 200, answer.text
    return answer.json()


def pull(pc: Joined, cursor: int = 0) -> Any:
    answer = pc.http.get("/v1/pull", params={"cursor": cursor})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_double_booking_is_refused_and_becomes_a_conflict_every_pc_sees(
    first_pc: Joined, second_pc: Joined
) -> None:
    mine = appointment("a-1", "08:00", "08:30", provider="dr-aydin")
    theirs = appointment("a-2", "08:15", "08:45", provider="dr-aydin")
    assert push(first_pc, 1, mine)["results"][0]["outcome"] == "applied"

    answer = push(second_pc, 1, theirs)

    result = answer["results"][0]
    assert result["outcome"] == "refused" and result["conflict_id"]
    assert answer["last_seq"] == 1  # done with: the PC does not send it again
    for pc in (first_pc, second_pc):
        pulled = pull(pc)
        assert [r["id"] for r in pulled["records"]] == ["a-1"]
        (conflict,) = pulled["conflicts"]
        assert conflict["id"] == result["conflict_id"] and conflict["kind"] == "overlap"
        assert [r["id"] for r in conflict["records"]] == ["a-2", "a-1"]
        assert [r["sealed"] for r in conflict["records"]] == [theirs["sealed"], mine["sealed"]]
        assert conflict["device"] == second_pc.device_id and not conflict["resolved"]
        listed = pc.http.get("/v1/conflicts").json()["conflicts"]
        assert [c["id"] for c in listed] == [conflict["id"]]
    assert push(second_pc, 2, theirs)["results"][0]["outcome"] == "refused"  # a new change


def test_the_room_is_guarded_like_the_provider_and_only_while_it_is_held(
    first_pc: Joined,
) -> None:
    outcomes = [
        r["outcome"]
        for r in push(
            first_pc,
            1,
            appointment("a-1", "08:00", "08:30", provider="dr-a", room="room-1"),
            appointment("a-2", "08:10", "08:20", provider="dr-b", room="room-1"),
            appointment("a-3", "08:30", "09:00", provider="dr-a", room="room-1"),  # touches
            appointment("a-4", "08:00", "08:30", provider="dr-a", override=True),
            appointment("a-5", "08:00", "08:30", provider="dr-a", status="cancelled"),
            appointment("a-6", "08:00", "08:30", provider="dr-c", room=None),
            appointment("a-7", "08:05", "08:25", provider="dr-c", room=None),
        )["results"]
    ]
    assert outcomes == ["applied", "refused", "applied", "applied", "applied", "applied",
                        "refused"]  # fmt: skip
    # Cancelling the first frees its time: the refused one now fits.
    cancelled = appointment("a-1", "08:00", "08:30", provider="dr-a", room="room-1", version=2,
                            status="cancelled")  # fmt: skip
    assert push(first_pc, 8, cancelled, base=1)["results"][0]["outcome"] == "applied"
    again = appointment("a-2", "08:10", "08:20", provider="dr-b", room="room-1")
    assert push(first_pc, 9, again)["results"][0]["outcome"] == "applied"


def test_the_database_itself_refuses_an_overlap_written_past_the_endpoint(
    endpoint: Endpoint, first_pc: Joined
) -> None:
    push(first_pc, 1, appointment("a-1", "08:00", "08:30", provider="dr-a"))
    row = {
        "clinic_id": first_pc.clinic_id, "entity": "appointment", "id": "a-raw", "version": 1,
        "deleted": False, "key_gen": 1, "clear": "{}", "sealed": "x", "seq": 99,
        "device_id": first_pc.device_id, "created_at": endpoint.clock.now(),
        "written_at": endpoint.clock.now(), "provider_id": "dr-a", "room_id": None,
        "service_id": "svc", "start_at": endpoint.clock.now().replace(hour=8, minute=20),
        "end_at": endpoint.clock.now().replace(hour=8, minute=50), "status": "booked",
        "override": False,
    }  # fmt: skip
    with pytest.raises(IntegrityError) as refused, endpoint.store.write() as conn:
        conn.execute(insert(record_table).values(**row))
    assert is_overlap(refused.value)
    with endpoint.store.write() as conn:  # the same row, not overlapping, goes in
        conn.execute(insert(record_table).values(**{**row, "provider_id": "dr-b"}))


def test_two_edits_from_one_base_keep_both_records_in_a_conflict(
    first_pc: Joined, second_pc: Joined
) -> None:
    push(first_pc, 1, record("patient", "p-1"))
    mine, theirs = record("patient", "p-1", 2), record("patient", "p-1", 2)
    assert push(first_pc, 2, mine, base=1)["results"][0]["outcome"] == "applied"

    answer = push(second_pc, 1, theirs, base=1)

    result = answer["results"][0]
    assert result["outcome"] == "conflict" and result["record"]["sealed"] == mine["sealed"]
    pulled = pull(second_pc)
    assert [r["sealed"] for r in pulled["records"]] == [mine["sealed"]]  # the server's kept
    (conflict,) = pulled["conflicts"]
    assert conflict["kind"] == "edit" and conflict["row_id"] == "p-1"
    assert [r["sealed"] for r in conflict["records"]] == [theirs["sealed"], mine["sealed"]]
    # The PC that wrote the server's version may build on it without a pull between.
    assert push(first_pc, 3, record("patient", "p-1", 3))["results"][0]["outcome"] == "applied"
    # Only on the version it wrote: once another PC's version is the server's (one
    # that may carry a column the first PC's version lacks), the first PC's edit built
    # on its own older one is a conflict, never taken over it (docs/sync-protocol.md,
    # "Across versions").
    assert push(second_pc, 2, record("patient", "p-1", 4), base=3)["results"][0]["outcome"] == (
        "applied"
    )
    late = push(first_pc, 4, record("patient", "p-1", 5), base=3)["results"][0]
    assert late["outcome"] == "conflict" and late["record"]["version"] == 4


def test_an_erasure_wins_over_any_edit(first_pc: Joined, second_pc: Joined) -> None:
    push(first_pc, 1, record("patient", "p-1"))
    assert push(first_pc, 2, record("patient", "p-1", 2), base=1)["results"][0]["outcome"] == (
        "applied"
    )
    # The other PC erases the patient from the older version: it wins all the same.
    erased = record("patient", "p-1", 2, deleted=True)
    assert push(second_pc, 1, erased, base=1)["results"][0]["outcome"] == "applied"
    late = push(first_pc, 3, record("patient", "p-1", 3), base=2)["results"][0]
    assert late["outcome"] == "dropped" and late["record"]["deleted"] is True
    older = record("patient", "p-1", 1, deleted=True)
    assert push(second_pc, 2, older)["results"][0]["outcome"] == "dropped"

    (row,) = pull(first_pc)["records"]
    assert row["deleted"] is True and row["sealed"] == erased["sealed"]
    assert pull(first_pc)["conflicts"] == []


def test_resolving_a_conflict_closes_it_for_every_pc(first_pc: Joined, second_pc: Joined) -> None:
    push(first_pc, 1, appointment("a-1", "08:00", "08:30"))
    conflict_id = push(second_pc, 1, appointment("a-2", "08:00", "08:30"))["results"][0][
        "conflict_id"
    ]
    cursor = pull(first_pc)["cursor"]

    closed = second_pc.http.post(
        f"/v1/conflicts/{conflict_id}/resolve", json={"resolution": "moved"}
    )

    assert closed.status_code == 200 and closed.json()["resolved"] is True
    (seen,) = pull(first_pc, cursor)["conflicts"]  # pulled again, closed, after the cursor
    assert seen["id"] == conflict_id and seen["resolution"] == "moved"
    assert seen["resolved_by"] == second_pc.device_id
    assert first_pc.http.get("/v1/conflicts").json()["conflicts"] == []
    everything = first_pc.http.get("/v1/conflicts", params={"state": "all"}).json()
    assert [c["id"] for c in everything["conflicts"]] == [conflict_id]
    again = first_pc.http.post(f"/v1/conflicts/{conflict_id}/resolve", json={"resolution": "x"})
    assert again.json()["resolution"] == "moved" and again.json()["seq"] == seen["seq"]


def test_a_resolution_empties_the_records_the_pc_forgot_and_only_those(
    first_pc: Joined, second_pc: Joined
) -> None:
    """A PC settling a double booking against an anonymised patient's kept visit names
    her record as forgotten (it holds it emptied): the endpoint empties its sealed
    values too, keeping its id and routing fields, and the other record whole; the
    conflict's sequence stays (a PC that pulled it emptied it itself). Named again, by
    a repeat or another PC after the closing, it changes nothing; an id the conflict
    does not hold is ignored (already forgotten: not an error a PC would resend)."""
    hers = appointment("a-1", "08:00", "08:30")
    push(first_pc, 1, hers)
    his = appointment("a-2", "08:00", "08:30")
    conflict_id = push(second_pc, 1, his)["results"][0]["conflict_id"]
    url = f"/v1/conflicts/{conflict_id}/resolve"

    closed = second_pc.http.post(url, json={"resolution": "kept_both", "forgotten": ["a-1", "zz"]})

    assert closed.status_code == 200, closed.text
    records = {r["id"]: r for r in closed.json()["records"]}
    assert records["a-1"]["sealed"] == "" and records["a-1"]["clear"] == hers["clear"]
    assert records["a-2"]["sealed"] == his["sealed"]
    (seen,) = pull(first_pc)["conflicts"]
    assert seen["seq"] == closed.json()["seq"] and seen["records"] == closed.json()["records"]
    again = first_pc.http.post(url, json={"resolution": "moved", "forgotten": ["a-1"]})
    assert again.status_code == 200 and again.json() == closed.json()
    bad = first_pc.http.post(url, json={"resolution": "moved", "forgotten": ["no spaces"]})
    assert bad.status_code in (400, 422), bad.text


def test_an_open_conflict_s_forgotten_records_are_emptied_and_it_stays_open(
    first_pc: Joined, second_pc: Joined
) -> None:
    """``forget``: a double booking against an anonymised patient's kept visit stays
    open for a person, perhaps for long; the PC that emptied her record says so at its
    next round, and the endpoint empties its copy at once, the conflict still open at
    its sequence. Another clinic's conflict, or none, is not found."""
    push(first_pc, 1, appointment("a-1", "08:00", "08:30"))
    his = appointment("a-2", "08:00", "08:30")
    conflict_id = push(second_pc, 1, his)["results"][0]["conflict_id"]
    (before,) = pull(first_pc)["conflicts"]

    told = first_pc.http.post(f"/v1/conflicts/{conflict_id}/forget", json={"records": ["a-1"]})

    assert told.status_code == 200, told.text
    assert (told.json()["resolved"], told.json()["seq"]) == (False, before["seq"])
    assert [r["sealed"] for r in told.json()["records"]] == [his["sealed"], ""]
    (listed,) = second_pc.http.get("/v1/conflicts").json()["conflicts"]
    assert listed == told.json()
    missing = first_pc.http.post("/v1/conflicts/nope/forget", json={"records": ["a-1"]})
    assert missing.status_code == 404
    empty = first_pc.http.post(f"/v1/conflicts/{conflict_id}/forget", json={"records": []})
    assert empty.status_code in (400, 422)


def test_a_pull_pages_records_and_conflicts_in_server_order(first_pc: Joined) -> None:
    push(first_pc, 1, *(record("patient", f"p-{i}") for i in range(5)))
    push(first_pc, 6, appointment("a-1", "08:00", "08:30"), appointment("a-2", "08:00", "08:10"))
    push(first_pc, 8, *(record("patient", f"q-{i}") for i in range(3)))
    pages, cursor = [], 0
    while True:
        page = first_pc.http.get("/v1/pull", params={"cursor": cursor, "limit": 4}).json()
        pages.append(page)
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert [len(p["records"]) + len(p["conflicts"]) for p in pages] == [4, 4, 2]
    seqs = [r["seq"] for p in pages for r in [*p["records"], *p["conflicts"]]]
    assert sorted(seqs) == list(range(1, 11))
    assert cursor == 10
    last = first_pc.http.get("/v1/pull", params={"cursor": cursor}).json()
    assert last == {"records": [], "conflicts": [], "cursor": 10, "more": False, "horizon": 0}


def test_a_slot_freed_earlier_in_the_same_push_can_be_booked(first_pc: Joined) -> None:
    push(first_pc, 1, appointment("a-1", "08:00", "08:30"), record("patient", "p-1"))
    cancelled = appointment("a-1", "08:00", "08:30", version=2, status="cancelled")
    body = push_body(3, cancelled, record("patient", "p-1", 2),
                     appointment("a-2", "08:00", "08:30"))  # fmt: skip
    body["changes"][0]["base_version"] = body["changes"][1]["base_version"] = 1
    answer = first_pc.http.post("/v1/push", json=body).json()
    assert [r["outcome"] for r in answer["results"]] == ["applied"] * 3
    pulled = pull(first_pc)
    assert {r["id"]: r["version"] for r in pulled["records"]} == {"a-1": 2, "p-1": 2, "a-2": 1}
    assert pulled["conflicts"] == []


def test_new_bookings_of_one_push_are_checked_in_order_against_each_other(
    first_pc: Joined,
) -> None:
    # A push's new bookings go to the database together; when one overlaps, each is
    # written alone, in order, so the outcome is what it would be one at a time.
    push(first_pc, 1, appointment("held", "12:00", "12:30"))
    body = push_body(
        2,
        appointment("b-1", "10:00", "10:30"),
        appointment("b-2", "10:15", "10:45"),  # overlaps b-1, just before it in the push
        record("patient", "p-1"),
        appointment("b-3", "10:30", "11:00"),  # touches b-1's end: no overlap
        appointment("b-4", "12:00", "12:30"),  # overlaps "held", cancelled only after it
        appointment("held", "12:00", "12:30", version=2, status="cancelled"),
        appointment("b-5", "12:00", "12:30"),  # after the cancellation: free
    )
    body["changes"][5]["base_version"] = 1
    body["changes"][1]["base_version"] = body["changes"][0]["base_version"] = None
    answer = first_pc.http.post("/v1/push", json=body).json()
    outcomes = [r["outcome"] for r in answer["results"]]
    assert outcomes == ["applied", "refused", "applied", "applied", "refused", "applied",
                        "applied"]  # fmt: skip
    pulled = pull(first_pc)
    assert {r["id"] for r in pulled["records"]} == {"held", "b-1", "p-1", "b-3", "b-5"}
    refused = {c["row_id"]: [r["id"] for r in c["records"]] for c in pulled["conflicts"]}
    assert refused == {"b-2": ["b-2", "b-1"], "b-4": ["b-4", "held"]}
    seqs = [r["seq"] for r in pulled["records"]] + [c["seq"] for c in pulled["conflicts"]]
    assert len(set(seqs)) == len(seqs) == 7


def test_the_client_takes_an_older_endpoint_s_404_for_forget_as_nothing_to_do() -> None:
    """An endpoint older than session 17 has no ``forget`` route (FastAPI's 404): the
    PC's round goes on (its resolution names the records again), rather than failing
    every round; any other refusal is still raised."""
    answers: list[tuple[int, dict[str, Any]]] = [
        (404, {"detail": "Not Found"}),
        (400, {"error": "bad_request", "message": "no"}),
    ]
    bodies: list[Any] = []

    def older(_h: object, _method: str, raw: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        bodies.append(json.loads(raw))
        status, body = answers.pop(0)
        return status, body, {}

    with http_server(older) as (url, _recorded), Client(url, "token") as client:
        client.forget("c-1", ["a-1"])
        assert bodies == [{"records": ["a-1"]}]
        with pytest.raises(Refused):
            client.forget("c-1", ["a-1"])
