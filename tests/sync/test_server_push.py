"""Pushes to the endpoint: each change applied once, in device order, whatever the
network does to the requests and their answers; and a server sequence that is
commit order, so a PC pulling while others push never misses a row."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import httpx
import pytest
from serverkit import Endpoint, Joined, LosingProxy, push_body, record, snapshot

from receptionist.clock import FixedClock

PATIENTS = [record("patient", f"p-{i}") for i in range(1, 5)]


def pull_everything(http: httpx.Client, cursor: int = 0) -> tuple[list[dict[str, Any]], int]:
    records: list[dict[str, Any]] = []
    while True:
        page = http.get("/v1/pull", params={"cursor": cursor, "limit": 3})
        assert page.status_code == 200, page.text
        body = page.json()
        records += body["records"]
        cursor = body["cursor"]
        if not body["more"]:
            return records, cursor


def outcomes(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [result["outcome"] for result in answer.json()["results"]]


def test_a_push_whose_answer_was_lost_is_sent_again_and_applies_nothing_twice(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined, clock: FixedClock
) -> None:
    """The retry's answer also says when the endpoint applied the batch (``applied_at``,
    s0009): a stand-by PC's takeover needs it (#14); a push applied now says null."""
    body = push_body(1, *PATIENTS[:3])
    first_applied = clock.now()
    proxy = LosingProxy(endpoint.url)
    try:
        lossy = httpx.Client(base_url=proxy.url, headers=first_pc.http.headers)
        with lossy, pytest.raises(httpx.RemoteProtocolError):
            lossy.post("/v1/push", json=body)
    finally:
        proxy.close()
    assert proxy.lost and proxy.lost[0].startswith(b"HTTP/1.1 200")  # it had committed
    assert b'"applied_at":null' in proxy.lost[0]  # applied by this push
    committed = snapshot(endpoint.store)

    clock.advance(minutes=7)
    again = first_pc.http.post("/v1/push", json=body)
    assert outcomes(again) == ["duplicate"] * 3 and again.json()["last_seq"] == 3
    assert datetime.fromisoformat(again.json()["applied_at"]) == first_applied
    now = snapshot(endpoint.store)
    assert now.pop("device") != committed.pop("device")  # last seen later, that is all
    assert now == committed
    records, _ = pull_everything(second_pc.http)
    assert sorted(r["id"] for r in records) == ["p-1", "p-2", "p-3"]
    assert [r["sealed"] for r in records] == [c["record"]["sealed"] for c in body["changes"]]
    asked = first_pc.http.post("/v1/push", json={"first_seq": 4, "changes": []})
    assert asked.json()["last_seq"] == 3 and asked.json()["applied_at"] is None
    more = first_pc.http.post("/v1/push", json=push_body(4, PATIENTS[3]))
    assert outcomes(more) == ["applied"] and more.json()["applied_at"] is None


def test_a_push_after_a_gap_is_refused_whole(endpoint: Endpoint, first_pc: Joined) -> None:
    assert outcomes(first_pc.http.post("/v1/push", json=push_body(1, *PATIENTS[:2]))) == [
        "applied", "applied",
    ]  # fmt: skip
    before = snapshot(endpoint.store)

    refused = first_pc.http.post("/v1/push", json=push_body(4, *PATIENTS[2:]))

    assert refused.status_code == 409
    assert refused.json()["error"] == "gap" and refused.json()["last_seq"] == 2
    assert snapshot(endpoint.store) == before
    resent = first_pc.http.post("/v1/push", json=push_body(3, *PATIENTS[2:]))
    assert outcomes(resent) == ["applied", "applied"] and resent.json()["last_seq"] == 4


def test_reordered_and_repeated_pushes_apply_each_change_once_in_order(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    one = push_body(1, record("patient", "p-1"), record("patient", "p-2"))
    two = push_body(3, record("patient", "p-1", 2), record("patient", "p-3"))
    two["changes"][0]["base_version"] = 1
    assert first_pc.http.post("/v1/push", json=two).status_code == 409  # overtook one

    assert outcomes(first_pc.http.post("/v1/push", json=one)) == ["applied", "applied"]
    assert outcomes(first_pc.http.post("/v1/push", json=one)) == ["duplicate", "duplicate"]
    tail = {"first_seq": 2, "changes": [one["changes"][1], *two["changes"]]}
    assert outcomes(first_pc.http.post("/v1/push", json=tail)) == [
        "duplicate", "applied", "applied",
    ]  # fmt: skip
    assert outcomes(first_pc.http.post("/v1/push", json=two)) == ["duplicate", "duplicate"]

    records, _ = pull_everything(second_pc.http)
    assert {r["id"]: r["version"] for r in records} == {"p-1": 2, "p-2": 1, "p-3": 1}
    assert {r["id"]: r["sealed"] for r in records}["p-1"] == two["changes"][0]["record"]["sealed"]
    assert [r["seq"] for r in records] == sorted(r["seq"] for r in records)


def test_concurrent_pushes_are_pulled_in_commit_order_and_none_is_missed(
    endpoint: Endpoint, first_pc: Joined, second_pc: Joined
) -> None:
    from serverkit import join

    third = join(endpoint, first_pc, "FRONT-3")
    batches, size = 15, 8
    pushed: list[str] = []
    failures: list[str] = []

    def pusher(pc: Joined, name: str) -> None:
        with endpoint.client(pc.token) as http:
            for b in range(batches):
                rows = [record("patient", f"{name}-{b}-{i}") for i in range(size)]
                answer = http.post("/v1/push", json=push_body(b * size + 1, *rows))
                if answer.status_code != 200 or set(outcomes(answer)) != {"applied"}:
                    failures.append(answer.text)
                pushed.extend(r["id"] for r in rows)

    threads = [
        threading.Thread(target=pusher, args=(first_pc, "one")),
        threading.Thread(target=pusher, args=(second_pc, "two")),
    ]
    for thread in threads:
        thread.start()
    seen: list[dict[str, Any]] = []
    cursor = 0
    with third.http:
        while any(thread.is_alive() for thread in threads):
            page, cursor = pull_everything(third.http, cursor)
            seen += page
        for thread in threads:
            thread.join()
        page, cursor = pull_everything(third.http, cursor)
        seen += page

    assert not failures
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids)) == 2 * batches * size  # each once, none missed
    assert set(ids) == set(pushed)
    seqs = [r["seq"] for r in seen]
    assert seqs == sorted(seqs) and seqs == list(range(1, len(seqs) + 1))
